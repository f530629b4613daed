/// Remote-write for requests replayed from the disk buffer: the stored body as is, and the
/// plain HTTP table for answers (as `RemoteWriteProtocol`).
struct RemoteWriteStoredProtocol<Transport: DeliveryTransport>: DeliveryProtocol
where Transport.Request == DeliveryHTTPRequest, Transport.Response == DeliveryHTTPResponse {
    let classifier: DeliveryHTTPClassifier

    func prepare(_ payload: RemoteWriteStoredPayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: RemoteWriteStoredPayload) -> DeliveryOutcome<Never> {
        classifier.classify(result)
    }
}
