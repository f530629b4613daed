import Foundation
import PipelineTesting
import XCTest

/// Loopback sockets as the rsyslog tests need them: is a port bound, and plain TCP sends.
enum LoopbackSockets {
    /// Whether something listens on 127.0.0.1:`port` over TCP, read from /proc/net/tcp so the
    /// check opens no connection the listener would see.
    static func isListening(tcp port: Int) -> Bool { bound(table: "/proc/net/tcp", port: port, state: "0A") }

    /// Whether a UDP socket is bound to 127.0.0.1:`port` (/proc/net/udp).
    static func isBound(udp port: Int) -> Bool { bound(table: "/proc/net/udp", port: port, state: "07") }

    private static func bound(table: String, port: Int, state: String) -> Bool {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { return false }
        let local = "0100007F:" + String(format: "%04X", port), any = "00000000:" + String(format: "%04X", port)
        return text.split(separator: "\n").dropFirst().contains { line in
            let columns = line.split(separator: " ")
            return columns.count > 3 && (columns[1] == local || columns[1] == any) && columns[3] == state
        }
    }

    /// Connects to 127.0.0.1:`port`, writes `bytes` and closes the connection.
    static func send(tcp port: Int, _ bytes: [UInt8]) throws {
        let connection = try TCPTestClient(port: port)
        defer { connection.close() }
        try connection.send(bytes)
    }
}

/// Polls `condition` every 5 ms until it holds; throws, saying what did not happen and
/// `detail()`, after `timeout` seconds. Used instead of sleeping as synchronisation.
func poll(_ what: String, timeout: Double, detail: () -> String = { "" }, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw CLIError("\(what) did not happen within \(timeout) s. \(detail())") }
        usleep(5_000)
    }
}

/// A `pipectl run` of a pipeline file written into a test folder, stopped by its PID when the
/// test ends, whatever happened.
enum RsyslogPipectl {
    /// Writes `yaml` to `dir/name`, starts `pipectl run` on it with its log in `dir` and waits
    /// until it listens on `tcpPort`/`udpPort` when given.
    static func start(_ test: XCTestCase, in dir: URL, name: String = "pipeline.yaml", yaml: String,
                      tcpPort: Int? = nil, udpPort: Int? = nil) throws -> PipectlProcess {
        try yaml.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("\(name).log")
        let process = try PipectlProcess(["run", name, "--log-file", log.path], in: dir)
        test.addTeardownBlock { if process.process.isRunning { process.signal(SIGKILL); process.wait(timeout: 10) } }
        try poll("pipectl listening", timeout: 20, detail: { logText(log) }) {
            guard process.process.isRunning else { throw CLIError("pipectl exited: \(process.wait(timeout: 5).stderr) \(logText(log))") }
            return (tcpPort.map(LoopbackSockets.isListening(tcp:)) ?? true) && (udpPort.map(LoopbackSockets.isBound(udp:)) ?? true)
        }
        return process
    }

    /// Stops pipectl with SIGTERM (it flushes its outputs) and checks that it exited cleanly.
    static func stop(_ process: PipectlProcess, file: StaticString = #filePath, line: UInt = #line) {
        process.signal(SIGTERM)
        let exit = process.wait(timeout: 30, file: file, line: line)
        XCTAssertEqual(exit.status, 0, "pipectl exit: \(exit.stderr)", file: file, line: line)
    }

    static func logText(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}

extension RsyslogDaemon {
    /// Starts a daemon that the test stops by its PID when it ends, whatever happened.
    static func started(_ test: XCTestCase, in parent: URL, name: String, tcpPorts: [Int] = [], udpPorts: [Int] = [],
                        timeZone: String = "UTC", config: String) throws -> RsyslogDaemon {
        let daemon = try RsyslogDaemon(in: parent, name: name, tcpPorts: tcpPorts, udpPorts: udpPorts, timeZone: timeZone,
                                       config: config)
        test.addTeardownBlock { daemon.stop() }
        try daemon.start()
        return daemon
    }
}
