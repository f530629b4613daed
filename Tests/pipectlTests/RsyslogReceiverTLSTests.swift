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
