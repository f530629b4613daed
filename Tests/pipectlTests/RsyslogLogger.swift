import Foundation

/// util-linux `logger` sending into a private rsyslogd: messages whose timestamps and host
/// name logger chooses, so their expected fields are what rsyslog itself parsed (its
/// `SyslogFields.rsyslogTemplate` lines), not values the test wrote.
enum RsyslogLogger {
    static let executable = "/usr/bin/logger"

    /// The `logger` invocations (after `--tcp --server 127.0.0.1 --port P`) and their markers:
    /// RFC 5424 octet-counted without timeQuality (whose isSynced depends on the machine), with
    /// MSGID, PROCID and structured data; and RFC 3164.
    static let messages: [(marker: String, arguments: [String])] = [
        ("m7", ["--octet-count", "--rfc5424=notq", "--msgid", "LOGGER", "-t", "logger-app", "--id=4242", "-p", "local2.err",
                "--sd-id", "meta@32473", "--sd-param", #"k="v w""#, "m7 from logger"]),
        ("m8", ["--rfc3164", "-t", "bsd-logger", "-p", "daemon.notice", "m8 rfc3164 from logger"]),
    ]

    /// Sends every message to 127.0.0.1:`port` over TCP, one `logger` run each (bounded),
    /// stamped in `timeZone` (a POSIX TZ: `UTC-2` is two hours east).
    static func send(tcp port: Int, timeZone: String = "UTC") throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CLIError("util-linux logger is not installed at \(executable)")
        }
        for (_, arguments) in messages {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["--tcp", "--server", "127.0.0.1", "--port", String(port)] + arguments
            process.standardInput = FileHandle.nullDevice
            process.environment = ProcessInfo.processInfo.environment.merging(["TZ": timeZone]) { $1 }
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(5_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw CLIError("logger \(arguments) exited with \(process.terminationStatus)") }
        }
    }

    /// rsyslog's own reading of the logger messages, from the lines it wrote to `seen`.
    static func seen(in seen: URL) -> [SyslogFields] {
        let markers = Set(messages.map(\.marker))
        return fileLines(seen).compactMap(SyslogFields.init(rsyslogLine:)).filter { RsyslogForwarding.marker($0).map(markers.contains) ?? false }
    }
}
