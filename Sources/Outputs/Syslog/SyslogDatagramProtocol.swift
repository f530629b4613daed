/// Syslog over UDP (RFC 5426) as the delivery driver sees it: each frame is a datagram.
///
/// Datagrams the socket refused (`ECONNREFUSED` after an ICMP port unreachable, no buffer
/// space) are not sent again: UDP is at most once, so they go to the dead-letter file,
/// counted as `dropped{reason="rejected"}` and `errors{kind="network"}`. Only a socket that
/// cannot be opened at all is retried (nothing was sent).
struct SyslogDatagramProtocol: DeliveryProtocol {
    typealias Transport = DeliveryDatagramTransport

    let name: String
    let endpoint: String

    func prepare(_ payload: SyslogPayload, attempt: Int) -> DeliveryDatagramWrite {
        DeliveryDatagramWrite(bytes: payload.frames, ends: payload.ends)
    }

    func classify(_ result: DeliveryResult<DeliveryDatagramReceipt>, of payload: SyslogPayload) -> DeliveryOutcome<Never> {
        switch result {
        case .response(let receipt):
            guard let reason = receipt.failure else { return .delivered }
            let failure = DeliveryFailure(kind: "network", description: "\(name): \(endpoint): \(reason)")
            return .partial(DeliveryItemOutcomes(rejected: receipt.failed.map { ($0, failure) }))
        case .failure(let reason):
            return .retry(after: nil, DeliveryFailure(kind: "network", description: "\(name): \(endpoint): \(reason)"))
        }
    }
}
