import NIOSSL

/// A TLS failure in a few words, for logs and scrape reports.
package enum TLSFailureReason {
    /// BoringSSL's reasons without their codes and source locations: `error:100000f7:SSL
    /// routines:OPENSSL_internal:WRONG_VERSION_NUMBER at …` becomes `handshake failed:
    /// WRONG_VERSION_NUMBER`; another TLS error as it describes itself; nil for an error that is
    /// not a TLS one.
    package static func describe(_ error: any Error) -> String? {
        guard error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError else { return nil }
        guard case .handshakeFailed(.sslError(let stack))? = error as? NIOSSLError, !stack.isEmpty else { return "\(error)" }
        let reasons = stack.map { entry in
            let text = entry.description
            let head = text.range(of: " at ").map { text[..<$0.lowerBound] } ?? Substring(text)
            return String((head.split(separator: ":").last ?? head).drop { $0 == " " })
        }
        return "handshake failed: " + reasons.joined(separator: ", ")
    }
}
