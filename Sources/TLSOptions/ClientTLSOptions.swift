import NIOSSL
import Pipeline

/// Client TLS options (SPEC §4): `tls: {ca, cert, key, server_name, verify}`, as the network
/// outputs and `prometheus_scrape` take them.
///
/// - ca (path): PEM bundle of the CAs to trust instead of the system's.
/// - cert (path): PEM client certificate chain, for mutual TLS (needs `key`).
/// - key (path): PEM private key of `cert`.
/// - server_name (string): the name to send as SNI and to verify the certificate against,
///   when it differs from the URL's host (the connection still goes to the URL's host). A
///   certificate that names the connected IP address is accepted whatever this says.
/// - verify (bool, default true): false skips certificate verification (testing only).
package struct ClientTLSOptions: Sendable, Equatable {
    package var ca: String?
    package var cert: String?
    package var key: String?
    package var serverName: String?
    package var verify = true

    package init() {}

    /// Reads the `tls` mapping; nothing is opened until `makeConfiguration()`.
    package init(reader: ConfigReader) {
        ca = reader.string("ca")
        cert = reader.string("cert")
        key = reader.string("key")
        serverName = reader.string("server_name")
        verify = reader.bool("verify", default: true)
        if (cert == nil) != (key == nil) {
            reader.error(cert == nil ? "key" : "cert", "'cert' and 'key' go together: a client certificate needs its key")
        }
        if serverName?.isEmpty == true { reader.error("server_name", "must not be empty") }
        reader.finish()
    }

    /// TLS 1.2+ client settings with the files loaded; throws naming the file that failed.
    package func makeConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let ca {
            tls.trustRoots = .certificates(try load("ca", ca) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        if let cert, let key {
            tls.certificateChain = try load("cert", cert) { try NIOSSLCertificate.fromPEMFile($0) }.map { .certificate($0) }
            tls.privateKey = .privateKey(try load("key", key) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        }
        if !verify { tls.certificateVerification = .none }
        return tls
    }

    /// How to reach `url` with `server_name` over HTTPS: the URL to request, naming `server_name`
    /// (so SNI and verification use it), and the host to connect to instead (an HTTP client's DNS
    /// override, `server_name` → the URL's host). Nil without `server_name` or for plain `http`.
    package func serverNameRoute(_ url: String) -> (url: String, serverName: String, host: String)? {
        guard let serverName, let parts = ConfigValues.httpURL(url), parts.scheme == "https" else { return nil }
        return ("https://\(serverName):\(parts.port)\(parts.path)", serverName, parts.host)
    }

    private func load<T>(_ option: String, _ path: String, _ body: (String) throws -> T) throws -> T {
        do {
            return try body(path)
        } catch {
            throw PipectlError("tls.\(option): cannot load \(path): \(error)")
        }
    }
}
