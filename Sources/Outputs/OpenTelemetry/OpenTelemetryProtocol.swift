import NIOCore
import Pipeline

/// OTLP/HTTP as the delivery driver sees it: the same body on every attempt, and the answers
/// the OTLP specification gives ("OTLP/HTTP Response", "Failures", "Retryable Response Codes"):
///
/// | answer                                   | outcome                                       |
/// |------------------------------------------|-----------------------------------------------|
/// | 2xx                                      | delivered                                     |
/// | 2xx with `partial_success.rejected_*` > 0| the rest delivered; the rejected counted as `dropped{reason="rejected"}` and logged |
/// | 429, 502, 503, 504, no answer            | retry (`Retry-After`)                         |
/// | 413                                      | split in halves                               |
/// | 400, any other 4xx or 5xx                | reject: dead letter                           |
///
/// The specification lets a client retry only 429, 502, 503 and 504: "all other 4xx or 5xx
/// response status codes MUST NOT be retried", so a 500 is dead-lettered, not sent again. A
/// partial success does not say which items were rejected, so none can be dead-lettered
/// (`DeliveryItemOutcomes.unnamedRejected`); a partial success that rejects nothing but has a
/// message is a warning from the receiver, logged. A failure's message is the `google.rpc.Status`
/// `message` of the answer when it has one.
struct OpenTelemetryProtocol<Payload: OpenTelemetryPayload>: DeliveryProtocol {
    typealias Transport = DeliveryHTTPTransport

    let classifier: DeliveryHTTPClassifier
    let log: RateLimitedLogger

    func prepare(_ payload: Payload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: Payload) -> DeliveryOutcome<Never> {
        classify(result, of: payload, nowSeconds: WallClock.nanoseconds() / 1_000_000_000)
    }

    /// Classifies `result`; `nowSeconds` (Unix time) resolves a `Retry-After` date.
    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: Payload, nowSeconds: Int64) -> DeliveryOutcome<Never> {
        guard case .response(let response) = result else { return classifier.classify(result) }
        switch response.status {
        case 200..<300:
            return accepted(response, of: payload)
        case 429, 502, 503, 504:
            return .retry(after: classifier.retryAfter(response, nowSeconds: nowSeconds), failure(response))
        case 413:
            return .split(failure(response))
        default:
            return .reject(failure(response))
        }
    }

    /// A success, whole or partial.
    private func accepted(_ response: DeliveryHTTPResponse, of payload: Payload) -> DeliveryOutcome<Never> {
        let (rejected, message) = OpenTelemetryResponse.partialSuccess(response.body)
        let said = message.isEmpty ? "" : ": \(message)"
        guard rejected > 0 else {
            if !message.isEmpty { log.warning("\(classifier.name): \(classifier.endpoint) accepted every item, warning\(said)") }
            return .delivered
        }
        let description = "\(classifier.name): \(classifier.endpoint) rejected \(rejected) of \(payload.eventCount) \(payload.signal.itemName)"
        let failure = DeliveryFailure(kind: "partial_success", description: description + said, status: response.status,
                                      response: ByteBuffer(string: message))
        return .partial(DeliveryItemOutcomes(unnamedRejected: (Int(clamping: rejected), failure)))
    }

    /// The failure an answer stands for, with the `google.rpc.Status` message when there is one.
    private func failure(_ response: DeliveryHTTPResponse) -> DeliveryFailure {
        var failure = classifier.failure(response)
        if let message = OpenTelemetryResponse.statusMessage(response.body), !message.isEmpty {
            failure.description = "\(classifier.name): \(response.status) from \(classifier.endpoint): \(message)"
            failure.response = ByteBuffer(string: message)
        }
        return failure
    }
}
