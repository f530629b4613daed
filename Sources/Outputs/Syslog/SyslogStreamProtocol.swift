/// Syslog over TCP or TLS as the delivery driver sees it: a payload's frames are one write
/// on the lane's connection; the receiver never answers, so a write that was made is
/// delivered and the stream transport keeps it until confirmed (`DeliveryStreamConfirmation`).
struct SyslogStreamProtocol: DeliveryProtocol {
    typealias Transport = DeliveryStreamTransport

    let classifier: DeliveryStreamClassifier

    func prepare(_ payload: SyslogPayload, attempt: Int) -> DeliveryStreamWrite {
        DeliveryStreamWrite(bytes: payload.frames, events: payload.eventCount)
    }

    func classify(_ result: DeliveryResult<Void>, of payload: SyslogPayload) -> DeliveryOutcome<Never> {
        classifier.classify(result)
    }
}
