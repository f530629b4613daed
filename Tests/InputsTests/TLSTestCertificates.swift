import Foundation
import Pipeline
import XCTest

/// A throwaway PKI made with `openssl` in a temporary folder: a CA, a server certificate for
/// 127.0.0.1/localhost, one naming only `scrape.test` (for `server_name`) and a client
/// certificate signed by it, and a client certificate signed by another CA (untrusted). Every
/// file is PEM.
struct TLSTestCertificates: Sendable {
    let directory: String
    var ca: String { "\(directory)/ca.pem" }
    var serverCert: String { "\(directory)/server.pem" }
    var serverKey: String { "\(directory)/server.key" }
    var namedServerCert: String { "\(directory)/named.pem" }
    var namedServerKey: String { "\(directory)/named.key" }
    var clientCert: String { "\(directory)/client.pem" }
    var clientKey: String { "\(directory)/client.key" }
    var strangerCert: String { "\(directory)/stranger.pem" }
    var strangerKey: String { "\(directory)/stranger.key" }

    /// Makes the files in a fresh folder removed when `test` ends; skips the test without `openssl`.
    init(_ test: XCTestCase) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.openssl) else {
            throw XCTSkip("openssl is not available to make test certificates")
        }
        directory = try temporaryDirectory(test).path
        try makeCA("ca", "pipectl test CA")
        try makeCA("other-ca", "another CA")
        try makeLeaf("server", signedBy: "ca", cn: "localhost",
                     extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try makeLeaf("named", signedBy: "ca", cn: "scrape.test",
                     extensions: "subjectAltName=DNS:scrape.test\nextendedKeyUsage=serverAuth\n")
        try makeLeaf("client", signedBy: "ca", cn: "syslog client", extensions: "extendedKeyUsage=clientAuth\n")
        try makeLeaf("stranger", signedBy: "other-ca", cn: "stranger", extensions: "extendedKeyUsage=clientAuth\n")
    }

    private static let openssl = "/usr/bin/openssl"
    private static let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    private func makeCA(_ name: String, _ cn: String) throws {
        try run(["req", "-x509"] + Self.key + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem",
                 "-days", "2", "-subj", "/CN=\(cn)",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func makeLeaf(_ name: String, signedBy ca: String, cn: String, extensions: String) throws {
        let ext = "\(directory)/\(name).ext"
        try extensions.write(toFile: ext, atomically: true, encoding: .utf8)
        try run(["req"] + Self.key + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr",
                 "-subj", "/CN=\(cn)"])
        try run(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", "\(directory)/\(ca).pem",
                 "-CAkey", "\(directory)/\(ca).key", "-set_serial", "\(UInt32.random(in: 1...UInt32.max))",
                 "-days", "2", "-extfile", ext, "-out", "\(directory)/\(name).pem"])
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.openssl)
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PipectlError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(message)")
        }
    }
}
