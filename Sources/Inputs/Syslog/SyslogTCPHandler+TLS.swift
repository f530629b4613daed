import NIOCore
import NIOSSL

/// tls mode: a connection whose handshake fails (plaintext on the TLS port, a version older
/// than TLS 1.2, a missing or untrusted client certificate) is closed by `NIOSSLServerHandler`;
/// the handler counts it in `errors{kind="tls"}` and logs why (rate limited).
extension SyslogTCPHandler {
    /// A peer closing without TLS close_notify (as many syslog senders do) is no failure;
    /// every other TLS error is: the handshake failed or the session broke.
    func countTLSFailure(_ context: ChannelHandlerContext, _ error: any Error) {
        guard error is NIOSSLError || error is BoringSSLError, error as? NIOSSLError != .uncleanShutdown else { return }
        state.tlsFailures.wrappingIncrement(ordering: .relaxed)
        state.log.warning("closed a TLS connection from \(Self.peer(context)): \(Self.reason(error))")
    }

    /// BoringSSL's reasons without their codes and source locations: `error:100000f7:SSL
    /// routines:OPENSSL_internal:WRONG_VERSION_NUMBER at …` becomes `WRONG_VERSION_NUMBER`.
    private static func reason(_ error: any Error) -> String {
        guard case .handshakeFailed(.sslError(let stack))? = error as? NIOSSLError, !stack.isEmpty else { return "\(error)" }
        let reasons = stack.map { entry in
            let text = entry.description
            let head = text.range(of: " at ").map { text[..<$0.lowerBound] } ?? Substring(text)
            return String((head.split(separator: ":").last ?? head).drop { $0 == " " })
        }
        return "handshake failed: " + reasons.joined(separator: ", ")
    }
}
