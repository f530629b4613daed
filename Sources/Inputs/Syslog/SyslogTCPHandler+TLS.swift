import NIOCore
import NIOSSL
import TLSOptions

/// tls mode: a connection whose handshake fails (plaintext on the TLS port, a version older
/// than TLS 1.2, a missing or untrusted client certificate) is closed by `NIOSSLServerHandler`;
/// the handler counts it in `errors{kind="tls"}` and logs why (rate limited).
extension SyslogTCPHandler {
    /// A peer closing without TLS close_notify (as many syslog senders do) is no failure;
    /// every other TLS error is: the handshake failed or the session broke.
    func countTLSFailure(_ context: ChannelHandlerContext, _ error: any Error) {
        guard error is NIOSSLError || error is BoringSSLError, error as? NIOSSLError != .uncleanShutdown else { return }
        state.tlsFailures.wrappingIncrement(ordering: .relaxed)
        state.log.warning("closed a TLS connection from \(Self.peer(context)): \(TLSFailureReason.describe(error) ?? "\(error)")")
    }
}
