import Foundation
import XCTest

/// A private rsyslogd for integration tests: its own RainerScript config, work directory and
/// pid file in a test folder, listening on the ports its config names (loopback only).
///
/// The config loads no system inputs (no imuxsock, no imklog), so the daemon never touches
/// `/dev/log`, the kernel log or the system pid file. It runs in the foreground (`-n`) as our
/// child and is stopped by its PID: SIGTERM, then SIGKILL after a bound. `start()` may be
/// called again after `stop()`: the same config, the same ports.
final class RsyslogDaemon {
    static let executable = "/usr/sbin/rsyslogd"

    /// Skips the test, saying why, when rsyslogd is not installed (CI installs it).
    static func requireInstalled() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            let why = "rsyslogd is not installed at \(executable) (scripts/install-deps.sh installs rsyslog)"
            print("skipping: \(why)")
            throw XCTSkip(why)
        }
    }

    /// The daemon's folder: config, pid file, work directory, its own stderr, output files.
    let dir: URL
    let configFile: URL
    private let tcpPorts: [Int]
    private let udpPorts: [Int]
    private let timeZone: String
    private var process: Process?
    private var starts = 0

    /// Writes the config: `global(workDirectory=…)` followed by `body` (modules, templates,
    /// rulesets, inputs). `tcpPorts`/`udpPorts` are the ports its inputs listen on, which
    /// `start()` waits for; a sender-only daemon may list none. `timeZone` (POSIX TZ) is the
    /// zone rsyslog reads RFC 3164 timestamps in.
    init(in parent: URL, name: String, tcpPorts: [Int] = [], udpPorts: [Int] = [], timeZone: String = "UTC",
         config body: String) throws {
        dir = parent.appendingPathComponent(name)
        configFile = dir.appendingPathComponent("rsyslog.conf")
        self.tcpPorts = tcpPorts
        self.udpPorts = udpPorts
        self.timeZone = timeZone
        let work = dir.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try """
        global(workDirectory="\(work.path)" maxMessageSize="64k")
        \(body)
        """.write(to: configFile, atomically: true, encoding: .utf8)
        try validate()
    }

    /// Checks the config with `rsyslogd -N1`: rsyslogd runs on with a config error (an unknown
    /// parameter is skipped), so a typo must fail the test here instead.
    private func validate() throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: Self.executable)
        check.arguments = ["-N1", "-f", configFile.path, "-i", path("rsyslogd.pid")]
        let output = Pipe()
        check.standardOutput = output
        check.standardError = output
        check.standardInput = FileHandle.nullDevice
        try check.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        if check.terminationStatus != 0 || text.contains("error") {
            throw CLIError("rsyslogd -N1 rejects \(configFile.path): \(text)")
        }
    }

    /// A file in the daemon's folder (for `omfile` actions and certificates).
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    var pid: Int32? { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    /// What the daemon wrote to stdout and stderr, all runs (for failure messages).
    var diagnostics: String {
        (1...max(starts, 1)).map { (try? String(contentsOfFile: path("rsyslogd-\($0).log"), encoding: .utf8)) ?? "" }
            .joined(separator: "\n")
    }

    /// Starts `rsyslogd -n -f CONF -i PIDFILE` and waits until every input port is bound.
    func start(timeout: Double = 20) throws {
        precondition(process == nil, "BUG: rsyslogd started twice without stop()")
        starts += 1
        let log = path("rsyslogd-\(starts).log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Self.executable)
        // -C: no chdir to / (paths stay private); -i: our own pid file, never /run/rsyslogd.pid.
        child.arguments = ["-n", "-C", "-f", configFile.path, "-i", path("rsyslogd.pid")]
        // RFC 3164 timestamps carry no zone: rsyslog reads them in TZ, which the tests fix.
        child.environment = ProcessInfo.processInfo.environment.merging(["TZ": timeZone]) { $1 }
        child.currentDirectoryURL = dir
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = output
        child.standardError = output
        try child.run()
        try? output.close()
        process = child
        let deadline = Date().addingTimeInterval(timeout)
        while !(tcpPorts.allSatisfy { LoopbackSockets.isListening(tcp: $0) } && udpPorts.allSatisfy { LoopbackSockets.isBound(udp: $0) }) {
            guard child.isRunning else {
                process = nil
                throw CLIError("rsyslogd exited with \(child.terminationStatus) at start: \(diagnostics)")
            }
            guard Date() < deadline else {
                stop()
                throw CLIError("rsyslogd did not listen on tcp \(tcpPorts) udp \(udpPorts) within \(timeout) s: \(diagnostics)")
            }
            usleep(5_000)
        }
    }

    /// Stops the daemon by its PID: SIGTERM, then SIGKILL when it is still running after
    /// `timeout` seconds. Does nothing when it is not running.
    func stop(timeout: Double = 10) {
        guard let child = process else { return }
        process = nil
        guard child.isRunning else { return }
        kill(child.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning, Date() < deadline { usleep(5_000) }
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
    }

    deinit { stop(timeout: 2) }
}
