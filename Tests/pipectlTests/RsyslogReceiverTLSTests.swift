import Foundation
import XCTest

/// pipectl's `syslog` output over TLS (RFC 5425) to a real rsyslogd using its GnuTLS (`gtls`)
/// and OpenSSL (`ossl`) stream drivers; pipectl verifies the receiver against the test CA, and
/// in one case presents a client certificate that rsyslog checks by name.
final class RsyslogReceiverTLSTests: XCTestCase {
    private static func tls(_ c: RsyslogTestCertificates, clientCertificate: Bool = false) -> String {
        let client = clientCertificate ? ", cert: \(c.clientCert), key: \(c.clientKey)" : ""
        return "mode: tls, tls: { ca: \(c.ca), server_name: \(c.serverName)\(client) }"
    }

    func testGnuTLSReceiver() throws {
        try RsyslogReceiving.run(self, .tls(driver: "gtls", clientName: nil)) { Self.tls($0) }
    }

    func testOpenSSLReceiver() throws {
        try RsyslogReceiving.run(self, .tls(driver: "ossl", clientName: nil)) { Self.tls($0) }
    }

    func testGnuTLSReceiverCheckingTheClientCertificate() throws {
        try RsyslogReceiving.run(self, .tls(driver: "gtls", clientName: "client.test")) { Self.tls($0, clientCertificate: true) }
    }

    func testOpenSSLReceiverCheckingTheClientCertificate() throws {
        try RsyslogReceiving.run(self, .tls(driver: "ossl", clientName: "client.test")) { Self.tls($0, clientCertificate: true) }
    }
}

/// The TLS checks bite: a handshake that must fail delivers nothing.
final class RsyslogReceiverTLSRefusalTests: XCTestCase {
    /// rsyslog refuses pipectl's client certificate when it permits another name.
    func testGnuTLSReceiverRefusesAClientOfAnotherName() throws {
        try RsyslogReceiving.refused(self, .tls(driver: "gtls", clientName: "other.name"), outputOptions: { c in
            "mode: tls, tls: { ca: \(c.ca), server_name: \(c.serverName), cert: \(c.clientCert), key: \(c.clientKey) }"
        }, rsyslogSays: "peer name not authorized")
    }

    /// pipectl refuses a receiver whose certificate it cannot verify (no `ca`: the test CA is
    /// not among the system's).
    func testPipectlRefusesAReceiverSignedByAnUnknownCA() throws {
        try RsyslogReceiving.refused(self, .tls(driver: "gtls", clientName: nil), outputOptions: { c in
            "mode: tls, tls: { server_name: \(c.serverName) }"
        }, pipectlSays: "OPENSSL_internal:CERTIFICATE_VERIFY_FAILED")
    }

    /// pipectl refuses a receiver whose certificate names another host than `server_name`
    /// (a certificate without an IP entry: one for the connected address passes as well).
    /// pipectl's log names the reason.
    func testPipectlRefusesAReceiverOfAnotherName() throws {
        try RsyslogReceiving.refused(self, .tls(driver: "gtls", clientName: nil), serverAltNames: "DNS:localhost", outputOptions: { c in
            "mode: tls, tls: { ca: \(c.ca), server_name: other.name }"
        }, pipectlSays: "TLS: NIOSSLExtraError.failedToValidateHostname: Couldn't find other.name")
    }
}
