import Foundation
import NIOSSL
import Pipeline

/// Server TLS options of a network input (SPEC §4, §8): `tls: {cert, key, ca, verify_client}`.
///
/// - cert (path, required): PEM certificate chain the input presents, leaf first.
/// - key (path, required): PEM private key of `cert`.
/// - ca (path): PEM bundle of the CAs client certificates must be signed by. Without
///   `verify_client` a client may present no certificate, but one it presents must verify.
/// - verify_client (bool, default false): refuse clients without a certificate signed by `ca`.
///
/// TLS 1.2 is the minimum. Reading the mapping opens nothing; `makeContext()` loads the files.
package struct ServerTLSOptions: Sendable {
    package var cert: String
    package var key: String
    package var ca: String?
    package var verifyClient = false

    /// Reads the `tls` mapping; nil (the problems reported) when `cert` or `key` is missing.
    package init?(reader: ConfigReader) {
        let cert = reader.string("cert", required: true)
        let key = reader.string("key", required: true)
        ca = reader.string("ca")
        verifyClient = reader.bool("verify_client", default: false)
        if verifyClient, ca == nil {
            reader.error("verify_client", "needs 'ca': the CA bundle client certificates are verified against")
        }
        reader.finish()
        guard let cert, let key else { return nil }
        self.cert = cert
        self.key = key
    }

    /// TLS 1.2+ server settings with the files loaded; throws naming the option and file that failed.
    package func makeConfiguration() throws -> TLSConfiguration {
        let chain = try Self.load("cert", cert, Self.certificates)
        let privateKey = try Self.load("key", key) { bytes in
            do { return try NIOSSLPrivateKey(bytes: bytes, format: .pem) } catch { throw PipectlError("not a PEM private key (\(error))") }
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                           privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        if let ca {
            tls.trustRoots = .certificates(try Self.load("ca", ca, Self.certificates))
            tls.certificateVerification = verifyClient ? .noHostnameVerification : .optionalVerification
        }
        return tls
    }

    /// The context connections share; throws when a file does not load or the key does not fit the cert.
    package func makeContext() throws -> NIOSSLContext {
        let configuration = try makeConfiguration()
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw PipectlError("tls: cannot use cert \(cert) with key \(key): \(error)")
        }
    }

    private static func certificates(_ bytes: [UInt8]) throws -> [NIOSSLCertificate] {
        let list: [NIOSSLCertificate]
        do { list = try NIOSSLCertificate.fromPEMBytes(bytes) } catch { throw PipectlError("not a PEM certificate (\(error))") }
        guard !list.isEmpty else { throw PipectlError("not a PEM certificate: no certificate in it") }
        return list
    }

    /// Reads the file at `path` and parses it, as `tls.<option>: cannot load PATH: why` on failure.
    private static func load<T>(_ option: String, _ path: String, _ parse: ([UInt8]) throws -> T) throws -> T {
        do {
            return try parse(try readFile(path))
        } catch {
            throw PipectlError("tls.\(option): cannot load \(path): \(error)")
        }
    }

    /// PEM files are small (a system CA bundle is about 200KiB); this bounds a wrong path like `/dev/zero`.
    private static let maxFileBytes = 4 * 1024 * 1024

    /// The bytes of a small file, failing with the system's reason (`No such file or directory`).
    private static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PipectlError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw PipectlError(String(cString: strerror(errno))) }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            guard bytes.count <= maxFileBytes else { throw PipectlError("larger than \(maxFileBytes / 1024 / 1024)MiB, not a PEM file") }
        }
    }
}
