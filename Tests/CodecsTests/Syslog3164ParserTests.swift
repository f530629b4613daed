import Codecs
import XCTest

/// RFC 3164 as it is written in the wild (`now` = 2026-11-29T18:00:00Z unless said).
final class Syslog3164ParserTests: XCTestCase {
    func testDeviations() {
        let t = "2026-11-29T18:00:00.000000000Z +0"
        let table: [(String, String)] = [
            ("<34>Jan  5 08:01:02 mymachine su: 'su root' failed",
             "rfc3164 4.2 2026-01-05T08:01:02.000000000Z +0 host=mymachine app=su pid= msgid= sd= msg='su root' failed"),
            ("<34>Jan 5 08:01:02 mymachine su: x",
             "rfc3164 4.2 2026-01-05T08:01:02.000000000Z +0 host=mymachine app=su pid= msgid= sd= msg=x"),
            ("<13>Nov 29 18:00:00 web-1.example.com nginx[77]: GET /",
             "rfc3164 1.5 \(t) host=web-1.example.com app=nginx pid=77 msgid= sd= msg=GET /"),
            ("<38>Nov 29 18:00:00 sshd[77]: Accepted publickey",
             "rfc3164 4.6 \(t) host= app=sshd pid=77 msgid= sd= msg=Accepted publickey"),
            ("<6>Nov 29 18:00:00 kernel: oops",
             "rfc3164 0.6 \(t) host= app=kernel pid= msgid= sd= msg=oops"),
            ("<13>Nov 29 18:00:00 host CRON hello there",
             "rfc3164 1.5 \(t) host=host app=CRON pid= msgid= sd= msg=hello there"),
            ("<13>Nov 29 18:00:00 host app[9] msg",
             "rfc3164 1.5 \(t) host=host app=app pid=9 msgid= sd= msg=msg"),
            ("<13>Nov 29 18:00:00 host app:no space",
             "rfc3164 1.5 \(t) host=host app=app pid= msgid= sd= msg=no space"),
            ("<13>Nov 29 18:00:00 host app: x\r\n",
             "rfc3164 1.5 \(t) host=host app=app pid= msgid= sd= msg=x"),
            ("<13>Nov 29 18:00:00 host",
             "rfc3164 1.5 \(t) host=host app= pid= msgid= sd= msg="),
            ("<13>Nov 29 18:00:00 host app[1: broken pid",
             "rfc3164 1.5 \(t) host=host app=app pid= msgid= sd= msg=[1: broken pid"),
            ("<13>Nov 29 23:00:00 host app: clock ahead by five hours",
             "rfc3164 1.5 2026-11-29T23:00:00.000000000Z +0 host=host app=app pid= msgid= sd= msg=clock ahead by five hours"),
            ("<13>2026-11-29T18:00:00.123456+01:00 host.example.com user[123]: hello",
             "rfc3164 1.5 2026-11-29T17:00:00.123456000Z +60 host=host.example.com app=user pid=123 msgid= sd= msg=hello"),
            ("<13>2026-11-29T18:00:00Z user[123]: no host",
             "rfc3164 1.5 \(t) host= app=user pid=123 msgid= sd= msg=no host"),
            ("<13>Nov 29 18:00:00 host app: \u{FEFF}bom",
             "rfc3164 1.5 \(t) host=host app=app pid= msgid= sd= msg=bom bom"),
        ]
        for (line, expected) in table { XCTAssertEqual(renderSyslog(line), expected, line) }
    }

    /// A December line read just after New Year belongs to the year before.
    func testMissingYearRollsBackWhenMoreThanADayAhead() {
        let newYear = SyslogParser(now: 1_767_225_600 * 1_000_000_000 + 1_800_000_000_000)  // 2026-01-01T00:30Z
        XCTAssertEqual(renderSyslog("<13>Dec 31 23:59:00 host app: x", newYear),
                       "rfc3164 1.5 2025-12-31T23:59:00.000000000Z +0 host=host app=app pid= msgid= sd= msg=x")
        XCTAssertEqual(renderSyslog("<13>Jan  1 12:00:00 host app: x", newYear),
                       "rfc3164 1.5 2026-01-01T12:00:00.000000000Z +0 host=host app=app pid= msgid= sd= msg=x")
        XCTAssertEqual(renderSyslog("<13>Jan  3 12:00:00 host app: x", newYear),
                       "rfc3164 1.5 2025-01-03T12:00:00.000000000Z +0 host=host app=app pid= msgid= sd= msg=x")
    }

    /// BSD timestamps carry no zone: they are read in the parser's configured offset.
    func testLocalTimeInConfiguredZone() {
        let berlin = SyslogParser(now: syslogTestNow, timeZoneOffsetMinutes: 120)
        XCTAssertEqual(renderSyslog("<13>Nov 29 18:00:00 host app: x", berlin),
                       "rfc3164 1.5 2026-11-29T16:00:00.000000000Z +120 host=host app=app pid= msgid= sd= msg=x")
        // An explicit RFC 3339 offset wins over the configured zone.
        XCTAssertEqual(renderSyslog("<13>2026-11-29T18:00:00-01:00 host app: x", berlin),
                       "rfc3164 1.5 2026-11-29T19:00:00.000000000Z -60 host=host app=app pid= msgid= sd= msg=x")
    }

    /// Without `<PRI>`: an error by default, PRI 13 (user.notice) when configured as rsyslog does.
    func testMissingPriority() {
        XCTAssertEqual(renderSyslog("Nov 29 18:00:00 host app: x"), "error: missing <PRI> at byte 0")
        let lenient = SyslogParser(now: syslogTestNow, defaultPriority: 13)
        XCTAssertEqual(renderSyslog("Nov 29 18:00:00 host app: x", lenient),
                       "rfc3164 1.5 2026-11-29T18:00:00.000000000Z +0 host=host app=app pid= msgid= sd= msg=x")
        XCTAssertEqual(renderSyslog("1 - h a - - - x", lenient), "error: invalid timestamp at byte 0")
    }
}
