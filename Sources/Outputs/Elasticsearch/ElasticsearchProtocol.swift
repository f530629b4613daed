import Foundation
import NIOCore
import Pipeline

/// `_bulk` as the delivery driver sees it (PROTOCOLS.md "Elasticsearch bulk").
///
/// | answer                                   | outcome                                   | errors{kind} per item |
/// |------------------------------------------|-------------------------------------------|-----------------------|
/// | 2xx, `errors: false`                     | delivered                                 |                       |
/// | 2xx, `errors: true`: item 2xx, or 409 on `create` | delivered (409: already there)   |                       |
/// | … item 429 or 5xx                        | sent again (a subset), after the backoff  | `item_retry`          |
/// | … other item status                      | dead letter, with the item's error        | `item_4xx`            |
/// | … items missing (answer cut short)       | sent again                                | `item_retry`          |
/// | 2xx that is no bulk answer               | retry the whole request                   | `bad_response`        |
/// | anything else                            | `DeliveryHTTPClassifier` (429/5xx retry, 413 split, 4xx reject) | per request |
///
/// Sending a request again is safe because each document's `_id` is derived from the event
/// (`ElasticsearchEncoder`); with `document_id: auto` a retry after a lost answer may index twice.
struct ElasticsearchProtocol: DeliveryProtocol {
    typealias Transport = DeliveryHTTPTransport

    let classifier: DeliveryHTTPClassifier

    func prepare(_ payload: ElasticsearchPayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: ElasticsearchPayload) -> DeliveryOutcome<Never> {
        guard case .response(let response) = result, (200..<300).contains(response.status) else {
            return classifier.classify(result)
        }
        let answer = ElasticsearchBulkResponse.read(response.body)
        if answer.errors == false { return .delivered }
        guard answer.errors == true, answer.items.count <= payload.eventCount, !answer.items.isEmpty || !answer.complete else {
            let text = response.body.boundedLine()
            return .retry(after: nil, DeliveryFailure(
                kind: "bad_response",
                description: "\(classifier.name): \(response.status) from \(classifier.endpoint) is no bulk answer"
                    + (text.isEmpty ? "" : ": \(text)"),
                status: response.status, response: response.body))
        }
        return .partial(outcomes(answer, of: payload, retryAfter: classifier.retryAfter(response, nowSeconds: WallClock.nanoseconds() / 1_000_000_000)))
    }

    /// Sorts the items: delivered (2xx, 409 on create), to send again (429, 5xx, not answered), refused.
    func outcomes(_ answer: ElasticsearchBulkResponse, of payload: ElasticsearchPayload, retryAfter: Duration?) -> DeliveryItemOutcomes {
        var outcomes = DeliveryItemOutcomes(retryAfter: retryAfter)
        for (index, item) in answer.items.enumerated() {
            switch item.status {
            case 200..<300: continue
            case 409 where item.isCreate: continue
            case 429, 500..<600:
                outcomes.retry.append(index)
                if outcomes.retryFailure == nil { outcomes.retryFailure = failure(item, kind: "item_retry") }
            default:
                outcomes.rejected.append((index, failure(item, kind: "item_4xx")))
            }
        }
        if answer.items.count < payload.eventCount {
            outcomes.retry += answer.items.count..<payload.eventCount
            if outcomes.retryFailure == nil {
                outcomes.retryFailure = DeliveryFailure(
                    kind: "item_retry",
                    description: "\(classifier.name): the answer from \(classifier.endpoint) was cut short after \(answer.items.count) items")
            }
        }
        return outcomes
    }

    /// `elasticsearch(es): item 400 from http://…/_bulk: mapper_parsing_exception: failed to parse field [n]`.
    private func failure(_ item: ElasticsearchBulkResponse.Item, kind: String) -> DeliveryFailure {
        var description = "\(classifier.name): item \(item.status) from \(classifier.endpoint)"
        if let error = item.error, let reason = Self.reason(error) { description += ": \(reason)" }
        return DeliveryFailure(kind: kind, description: description, status: item.status, response: item.error ?? ByteBuffer())
    }

    /// `type: reason` of an item's error object (`caused_by`'s reason appended when there is one).
    static func reason(_ error: ByteBuffer) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(error.readableBytesView)) as? [String: Any] else {
            return error.boundedLine()
        }
        var text = [object["type"] as? String, object["reason"] as? String].compactMap { $0 }.joined(separator: ": ")
        if let cause = object["caused_by"] as? [String: Any], let reason = cause["reason"] as? String { text += " (\(reason))" }
        return text.isEmpty ? nil : text
    }
}
