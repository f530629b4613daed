/// Remote-write as the delivery driver sees it: the same body on every attempt, and the
/// plain HTTP table for answers (PROTOCOLS.md: "the response body is to be ignored";
/// 429 and 5xx retried, 413 split, other 4xx dead-lettered). No per-item answers, no
/// side requests.
struct RemoteWriteProtocol: DeliveryProtocol {
    typealias Transport = DeliveryHTTPTransport

    let classifier: DeliveryHTTPClassifier

    func prepare(_ payload: RemoteWritePayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: RemoteWritePayload) -> DeliveryOutcome<Never> {
        classifier.classify(result)
    }
}
