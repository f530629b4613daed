import Foundation
import XCTest

/// A real rsyslogd forwards over TLS (RFC 5425) with its GnuTLS (`gtls`) and OpenSSL (`ossl`)
/// stream drivers to pipectl's `syslog` input in `mode: tls`. rsyslog checks pipectl's
/// certificate against the test CA and by name (`x509/name`, permitted peer `localhost`) or
/// not at all (`anon`); with `verify_client: true`, pipectl checks rsyslog's client certificate.
final class RsyslogToPipectlTLSTests: XCTestCase {
    private static func serverOnly(_ c: RsyslogTestCertificates) -> String {
        "mode: tls, tls: { cert: \(c.serverCert), key: \(c.serverKey) }"
    }

    private static func verifyingClients(_ c: RsyslogTestCertificates) -> String {
        "mode: tls, tls: { cert: \(c.serverCert), key: \(c.serverKey), ca: \(c.ca), verify_client: true }"
    }

    /// `omfwd` TLS parameters; `clientCertificate` makes rsyslog present the client certificate.
    private static func action(_ driver: String, auth: String = "x509/name", clientCertificate: Bool = false)
        -> (RsyslogTestCertificates) -> String {
        { c in
            var options = #"StreamDriver="\#(driver)" StreamDriverMode="1" StreamDriverAuthMode="\#(auth)" StreamDriver.CAFile="\#(c.ca)""#
            if auth == "x509/name" { options += #" StreamDriverPermittedPeers="\#(c.serverName)""# }
            if clientCertificate { options += #" StreamDriver.CertFile="\#(c.clientCert)" StreamDriver.KeyFile="\#(c.clientKey)""# }
            return options
        }
    }

    func testGnuTLSCheckingTheServerName() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .octetCounted, inputOptions: Self.serverOnly,
                                  actionOptions: Self.action("gtls"))
    }

    func testOpenSSLCheckingTheServerName() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .octetCounted, inputOptions: Self.serverOnly,
                                  actionOptions: Self.action("ossl"))
    }

    func testGnuTLSAnonymousForwardFormatLineFeedFramed() throws {
        try RsyslogForwarding.run(self, template: .forward, framing: .lineFeed, inputOptions: Self.serverOnly,
                                  actionOptions: Self.action("gtls", auth: "anon"))
    }

    func testOpenSSLAnonymousForwardFormatLineFeedFramed() throws {
        try RsyslogForwarding.run(self, template: .forward, framing: .lineFeed, inputOptions: Self.serverOnly,
                                  actionOptions: Self.action("ossl", auth: "anon"))
    }

    func testGnuTLSWithAClientCertificatePipectlVerifies() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .octetCounted, inputOptions: Self.verifyingClients,
                                  actionOptions: Self.action("gtls", clientCertificate: true))
    }

    func testOpenSSLWithAClientCertificatePipectlVerifies() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .octetCounted, inputOptions: Self.verifyingClients,
                                  actionOptions: Self.action("ossl", clientCertificate: true))
    }

    /// The checks bite: rsyslog refuses pipectl's certificate for another name. (rsyslog's
    /// `ossl` driver closes such a connection without logging why, so `gtls` shows it.)
    func testGnuTLSRefusesAServerOfAnotherName() throws {
        try RsyslogForwarding.refused(self, inputOptions: Self.serverOnly, actionOptions: { c in
            Self.action("gtls")(c).replacingOccurrences(of: #"PermittedPeers="\#(c.serverName)""#, with: #"PermittedPeers="other.name""#)
        }, rsyslogSays: "peer name not authorized")
    }

    /// With `verify_client: true`, pipectl refuses rsyslog when it presents no client certificate.
    func testPipectlRefusesAClientWithoutACertificate() throws {
        try RsyslogForwarding.refused(self, inputOptions: Self.verifyingClients, actionOptions: Self.action("gtls"),
                                      rsyslogSays: "A TLS fatal alert has been received")
    }
}
