import NIOCore
import Pipeline

/// CloudWatch Logs as the delivery driver sees it: each attempt signed afresh, answers read
/// by their AWS error type, missing groups and streams created first.
///
/// | answer                                                    | outcome                         | errors{kind}   |
/// |-----------------------------------------------------------|---------------------------------|----------------|
/// | 2xx                                                       | delivered                       |                |
/// | 2xx with `rejectedLogEventsInfo`                          | partial: those events dead-lettered, the rest delivered | `too_old`, `too_new`, `expired` |
/// | `ThrottlingException` (a 400), `ServiceUnavailableException` | retry                        | `throttled`    |
/// | `ResourceNotFoundException`, group or stream missing      | CreateLogGroup / CreateLogStream first (when `create_missing_*`), else reject | `http_4xx` |
/// | `DataAlreadyAcceptedException`                            | delivered (an older API's duplicate) |           |
/// | 429, 5xx, no answer                                       | retry                           | `http_429`, `http_5xx`, `network` |
/// | 413                                                       | split in halves                 | `http_4xx`     |
/// | other 4xx (`InvalidSignatureException`, `AccessDeniedException`, `InvalidParameterException`, …) | reject: dead letter with the type and message | `http_4xx` |
///
/// A side request's 2xx or `ResourceAlreadyExistsException` (another lane or process made
/// it) is done; its throttling, 429, 5xx or silence is retried; anything else rejects the
/// payload. Failure texts quote the answer with the secret key and session token removed.
/// Generic over the transport so tests drive it with a scripted one.
struct CloudWatchLogsProtocol<Transport: DeliveryTransport>: DeliveryProtocol
where Transport.Request == DeliveryHTTPRequest, Transport.Response == DeliveryHTTPResponse {
    let name: String
    let endpoint: String
    let signer: CloudWatchLogsRequestSigner
    let createMissingGroup: Bool
    let createMissingStream: Bool

    /// Error types that mean "slow down": retried with backoff.
    private static func isThrottling(_ type: String?) -> Bool {
        type == "ThrottlingException" || type == "ServiceUnavailableException"
    }

    func prepare(_ payload: CloudWatchLogsPayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body, headers: signer.sign(action: "PutLogEvents", body: payload.body).headers)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: CloudWatchLogsPayload)
        -> DeliveryOutcome<CloudWatchLogsSideRequest> {
        guard case .response(let response) = result else { return .retry(after: nil, networkFailure(result)) }
        let answer = Self.answer(response)
        if (200..<300).contains(response.status) { return rejectedEvents(answer, of: payload) }
        let failure = self.failure(response, answer)
        switch answer.type {
        case let type where Self.isThrottling(type):
            return .retry(after: retryAfter(response), failure)
        case "ResourceNotFoundException"?:
            if answer.message?.contains("log group") == true {
                return createMissingGroup ? .sideRequest(.createLogGroup(group: payload.group), failure) : .reject(failure)
            }
            return createMissingStream
                ? .sideRequest(.createLogStream(group: payload.group, stream: payload.stream), failure) : .reject(failure)
        case "DataAlreadyAcceptedException"?:
            return .delivered
        default:
            switch response.status {
            case 429, 500..<600: return .retry(after: retryAfter(response), failure)
            case 413: return .split(failure)
            default: return .reject(failure)
            }
        }
    }

    func prepare(side: CloudWatchLogsSideRequest, for payload: CloudWatchLogsPayload) -> DeliveryHTTPRequest {
        let body = side.body
        return DeliveryHTTPRequest(body: body, headers: signer.sign(action: side.action, body: body).headers)
    }

    func classify(side: CloudWatchLogsSideRequest, _ result: DeliveryResult<DeliveryHTTPResponse>) -> DeliverySideOutcome {
        guard case .response(let response) = result else { return .retry(after: nil, networkFailure(result, side)) }
        if (200..<300).contains(response.status) { return .done }
        let answer = Self.answer(response)
        if answer.type == "ResourceAlreadyExistsException" { return .done }
        let failure = self.failure(response, answer, side)
        if Self.isThrottling(answer.type) { return .retry(after: retryAfter(response), failure) }
        switch response.status {
        case 429, 500..<600: return .retry(after: retryAfter(response), failure)
        default: return .reject(failure)
        }
    }

    /// The events `rejectedLogEventsInfo` names, dead-lettered; every other one was stored.
    private func rejectedEvents(_ answer: CloudWatchLogsAnswer, of payload: CloudWatchLogsPayload)
        -> DeliveryOutcome<CloudWatchLogsSideRequest> {
        let count = payload.eventCount
        var reasons = [String?](repeating: nil, count: count)
        if let end = answer.expiredEnd { for i in 0...min(end, count - 1) { reasons[i] = "expired" } }
        if let end = answer.tooOldEnd { for i in 0...min(end, count - 1) { reasons[i] = "too_old" } }
        if let start = answer.tooNewStart, start < count { for i in start..<count { reasons[i] = "too_new" } }
        var outcomes = DeliveryItemOutcomes()
        var failures: [String: DeliveryFailure] = [:]
        for (item, kind) in reasons.enumerated() {
            guard let kind else { continue }
            let failure = failures[kind] ?? DeliveryFailure(
                kind: kind, description: "\(name): \(endpoint) refused events \(Self.describe(kind)) (rejectedLogEventsInfo)", status: 200)
            failures[kind] = failure
            outcomes.rejected.append((item, failure))
        }
        return outcomes.rejected.isEmpty ? .delivered : .partial(outcomes)
    }

    private static func describe(_ kind: String) -> String {
        switch kind {
        case "too_new": "more than 2 hours in the future"
        case "too_old": "more than 14 days old"
        default: "older than the log group's retention"
        }
    }

    private static func answer(_ response: DeliveryHTTPResponse) -> CloudWatchLogsAnswer {
        CloudWatchLogsAnswer(body: response.body, errorTypeHeader: response.headers.first(name: "X-Amzn-ErrorType"))
    }

    /// `cloudwatch_logs(x): 400 ThrottlingException from https://…: Rate exceeded`, secrets removed.
    private func failure(_ response: DeliveryHTTPResponse, _ answer: CloudWatchLogsAnswer,
                         _ side: CloudWatchLogsSideRequest? = nil) -> DeliveryFailure {
        // Redacted whole, then cut: signature errors quote the canonical request, token included.
        let credentials = signer.signer.credentials
        let body = ByteBuffer(string: credentials.redacting(String(buffer: response.body)))
        let text = answer.message.map { ByteBuffer(string: credentials.redacting($0)).boundedLine() } ?? body.boundedLine()
        let kind = Self.isThrottling(answer.type) ? "throttled"
            : response.status == 429 ? "http_429" : response.status >= 500 ? "http_5xx" : "http_4xx"
        let what = [String(response.status), answer.type].compactMap { $0 }.joined(separator: " ")
        let doing = side.map { "\($0): " } ?? ""
        return DeliveryFailure(kind: kind, description: "\(name): \(doing)\(what) from \(endpoint)" + (text.isEmpty ? "" : ": \(text)"),
                               status: response.status,
                               response: ByteBuffer(string: body.boundedText(limit: ByteBuffer.deadLetterTextLimit)))
    }

    private func networkFailure(_ result: DeliveryResult<DeliveryHTTPResponse>, _ side: CloudWatchLogsSideRequest? = nil) -> DeliveryFailure {
        guard case .failure(let reason) = result else { preconditionFailure("BUG: an answer is no network failure") }
        return DeliveryFailure(kind: "network", description: "\(name): \(side.map { "\($0): " } ?? "")\(endpoint): \(reason)")
    }

    private func retryAfter(_ response: DeliveryHTTPResponse) -> Duration? {
        DeliveryHTTPClassifier(name: name, endpoint: endpoint).retryAfter(response, nowSeconds: signer.unixSeconds())
    }
}
