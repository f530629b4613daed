import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline

/// A payload of numbered events; its body is the numbers joined by commas; 10 bytes per event.
struct TestPayload: DeliveryPayload {
    let ids: [Int]

    init(_ ids: [Int]) { self.ids = ids }

    var eventCount: Int { ids.count }
    var size: Int { ids.count * 10 }
    var body: String { ids.map(String.init).joined(separator: ",") }

    func subset(_ items: [Int]) -> TestPayload { TestPayload(items.map { ids[$0] }) }

    func writeEvents(into buffer: inout ByteBuffer) {
        for id in ids { buffer.writeString("{\"id\":\(id)}\n") }
    }
}

/// The fake protocol's side request.
enum TestSideRequest: Sendable, Equatable, CustomStringConvertible {
    case createStream(String)

    var description: String {
        switch self {
        case .createStream(let name): "create stream \(name)"
        }
    }
}

/// A made-up protocol over `ScriptedTransport`, with everything the driver supports:
///
/// - each attempt is prepared afresh: header `X-Attempt: <n>`, counted in `prepared`;
/// - a 200 with body `items:200,429,400,409` answers per item (as `_bulk` does): 2xx and
///   409 delivered, 429 and 5xx retried (`item_retry`), others rejected (`item_4xx`); a 422
///   item's reason names its id (as Elasticsearch quotes a document in its reasons);
/// - a 404 with body `no stream <s>` asks for the side request `create stream <s>`, sent
///   as body `create <s>`; its 2xx or 409 is done, 5xx retried, anything else rejects;
/// - everything else follows the HTTP table.
struct TestProtocol: DeliveryProtocol {
    typealias Transport = ScriptedTransport

    let classifier: DeliveryHTTPClassifier
    /// Unix seconds for `Retry-After` dates; the wall clock when nil.
    var nowSeconds: Int64?
    let prepared = NIOLockedValueBox(0)

    init(endpoint: String, nowSeconds: Int64? = nil) {
        classifier = DeliveryHTTPClassifier(name: "test(t)", endpoint: endpoint)
        self.nowSeconds = nowSeconds
    }

    func prepare(_ payload: TestPayload, attempt: Int) -> DeliveryHTTPRequest {
        prepared.withLockedValue { $0 += 1 }
        return DeliveryHTTPRequest(body: ByteBuffer(string: payload.body), headers: [("X-Attempt", String(attempt))])
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: TestPayload) -> DeliveryOutcome<TestSideRequest> {
        guard case .response(let response) = result else { return http(result) }
        let text = String(buffer: response.body)
        if response.status == 200, text.hasPrefix("items:") {
            return .partial(items(text.dropFirst(6).split(separator: ",").map { Int($0)! }, ids: payload.ids))
        }
        if response.status == 404, text.hasPrefix("no stream ") {
            return .sideRequest(.createStream(String(text.dropFirst(10))), classifier.failure(response))
        }
        return http(result)
    }

    func prepare(side: TestSideRequest, for payload: TestPayload) -> DeliveryHTTPRequest {
        switch side {
        case .createStream(let name): DeliveryHTTPRequest(body: ByteBuffer(string: "create \(name)"))
        }
    }

    func classify(side: TestSideRequest, _ result: DeliveryResult<DeliveryHTTPResponse>) -> DeliverySideOutcome {
        if case .response(let response) = result, response.status == 409 { return .done }
        let outcome: DeliveryOutcome<Never> = http(result)
        switch outcome {
        case .delivered: return .done
        case .retry(let after, let failure): return .retry(after: after, failure)
        case .reject(let failure), .split(let failure): return .reject(failure)
        case .partial: preconditionFailure("BUG: the HTTP table answers no items")
        }
    }

    private func http<Side>(_ result: DeliveryResult<DeliveryHTTPResponse>) -> DeliveryOutcome<Side> {
        if let nowSeconds { return classifier.classify(result, nowSeconds: nowSeconds) }
        return classifier.classify(result)
    }

    private func items(_ statuses: [Int], ids: [Int]) -> DeliveryItemOutcomes {
        var outcomes = DeliveryItemOutcomes()
        for (item, status) in statuses.enumerated() {
            let failure = DeliveryFailure(kind: status == 429 || status >= 500 ? "item_retry" : "item_4xx",
                                          description: "test(t): item refused with \(status)" + (status == 422 ? " (id \(ids[item]))" : ""),
                                          status: status)
            switch status {
            case 200..<300, 409: continue
            case 429, 500..<600:
                outcomes.retry.append(item)
                if outcomes.retryFailure == nil { outcomes.retryFailure = failure }
            default:
                outcomes.rejected.append((item, failure))
            }
        }
        return outcomes
    }
}

/// An HTTP transport answering from a script, then 200; records every request sent.
final class ScriptedTransport: DeliveryTransport {
    let endpoint = "http://receiver.test/write"
    private let state = NIOLockedValueBox<(script: [DeliveryResult<DeliveryHTTPResponse>], requests: [DeliveryHTTPRequest])>(([], []))

    func script(_ results: [DeliveryResult<DeliveryHTTPResponse>]) { state.withLockedValue { $0.script = results } }

    /// The bodies sent, in order.
    var bodies: [String] { state.withLockedValue { $0.requests.map { String(buffer: $0.body) } } }
    /// The requests sent, in order.
    var requests: [DeliveryHTTPRequest] { state.withLockedValue { $0.requests } }

    func send(_ request: DeliveryHTTPRequest) async -> DeliveryResult<DeliveryHTTPResponse> {
        state.withLockedValue { s in
            s.requests.append(request)
            return s.script.isEmpty ? .response(DeliveryHTTPResponse(status: 200)) : s.script.removeFirst()
        }
    }

    func shutdown() async {}
}

extension DeliveryResult<DeliveryHTTPResponse> {
    /// An answer with `status`, a text body and headers.
    static func answer(_ status: Int, _ body: String = "", headers: HTTPHeaders = [:]) -> Self {
        .response(DeliveryHTTPResponse(status: status, headers: headers, body: ByteBuffer(string: body)))
    }
}
