import Foundation
import XCTest

/// A real rsyslogd forwards over plain TCP and UDP (`omfwd`) to pipectl's `syslog` input, in
/// both of rsyslog's forwarding formats and both TCP framings; every field of every message arrives.
final class RsyslogToPipectlTests: XCTestCase {
    func testSyslogProtocol23OctetCounted() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .octetCounted)
    }

    func testSyslogProtocol23LineFeedFramed() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .lineFeed)
    }

    func testForwardFormatOctetCounted() throws {
        try RsyslogForwarding.run(self, template: .forward, framing: .octetCounted)
    }

    func testForwardFormatLineFeedFramed() throws {
        try RsyslogForwarding.run(self, template: .forward, framing: .lineFeed)
    }

    func testSyslogProtocol23OverUDP() throws {
        try RsyslogForwarding.run(self, template: .syslogProtocol23, framing: .udp, inputOptions: { _ in "mode: udp" })
    }

    func testForwardFormatOverUDP() throws {
        try RsyslogForwarding.run(self, template: .forward, framing: .udp, inputOptions: { _ in "mode: udp" })
    }

    /// rsyslog's default template drops the year, the fraction and the zone: with the sender's
    /// zone as `timezone_offset`, pipectl reads each timestamp to the second.
    func testTraditionalForwardFormatReadInTheSendersZone() throws {
        try RsyslogForwarding.run(self, template: .traditional, framing: .lineFeed,
                                  messages: RsyslogForwarding.messagesStampedNow(offsetHours: 2), senderTimeZone: "UTC-2",
                                  inputOptions: { _ in #"mode: tcp, timezone_offset: "+02:00""# })
    }
}
