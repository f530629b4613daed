/// Remote-write for requests replayed from the disk buffer: the stored body as is, the plain
/// HTTP table for answers (as `RemoteWriteProtocol`), and each settled part counted on the
/// record (`RemoteWriteStoredPayload.Progress`) so a shutdown knows what it left undelivered.
struct RemoteWriteStoredProtocol<Transport: DeliveryTransport>: DeliveryProtocol
where Transport.Request == DeliveryHTTPRequest, Transport.Response == DeliveryHTTPResponse {
    let classifier: DeliveryHTTPClassifier

    func prepare(_ payload: RemoteWriteStoredPayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: RemoteWriteStoredPayload) -> DeliveryOutcome<Never> {
        let outcome: DeliveryOutcome<Never> = classifier.classify(result)
        switch outcome {
        case .delivered, .reject:
            payload.progress.settled.wrappingIncrement(by: payload.eventCount, ordering: .relaxed)
        case .split where payload.eventCount < 2:
            // The driver writes off what cannot be split.
            payload.progress.settled.wrappingIncrement(by: payload.eventCount, ordering: .relaxed)
        default:
            break
        }
        return outcome
    }
}
