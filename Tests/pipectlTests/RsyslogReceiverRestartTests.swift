import Foundation
import NIOConcurrencyHelpers
import PipelineTesting
import XCTest

/// The receiver goes away mid-stream: rsyslogd is stopped (SIGTERM) while pipectl's `syslog`
/// output is sending numbered messages, more are written while it is down, and it starts again
/// on the same port. Every message arrives (duplicates allowed: replays after a reconnect).
final class RsyslogReceiverRestartTests: XCTestCase {
    private let total = 3000

    func testEveryMessageArrivesAcrossAReceiverRestart() throws {
        try restart(.tcp) { _ in "mode: tcp" }
    }

    func testEveryMessageArrivesAcrossAReceiverRestartOverTLS() throws {
        try restart(.tls(driver: "gtls", clientName: nil)) { "mode: tls, tls: { ca: \($0.ca), server_name: \($0.serverName) }" }
    }

    private func restart(_ listener: RsyslogReceiving.Listener, outputOptions: (RsyslogTestCertificates) -> String) throws {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(self)
        let certificates = try RsyslogTestCertificates(in: dir)
        let port = try freeLoopbackPort()
        let output = dir.appendingPathComponent("rsyslog.out"), input = dir.appendingPathComponent("in.log")
        let rsyslog = try RsyslogDaemon.started(self, in: dir, name: "rsyslog", tcpPorts: [port],
                                                config: RsyslogReceiving.config(listener, port: port, output: output.path,
                                                                                certificates: certificates))
        _ = FileManager.default.createFile(atPath: input.path, contents: nil)
        let pipectl = try RsyslogPipectl.start(self, in: dir, yaml: """
            data_dir: \(dir.path)/data
            api: { enabled: false }
            inputs:
              lines: { type: file, path: \(input.path), start_at: beginning, poll_interval: 10ms }
            outputs:
              rs: { type: syslog, inputs: [lines], address: "127.0.0.1:\(port)", \(outputOptions(certificates)), appname: restart,
                    batch: { max_events: 50, timeout: 10ms }, retry: { initial_backoff: 50ms, max_backoff: 300ms } }
            """)
        // The writer appends numbered lines at a steady pace (load, not synchronisation) and
        // waits at the half-way mark until the receiver is down, so the second half is written
        // while nothing listens and after it is back.
        let written = NIOLockedValueBox(0)
        let receiverDown = DispatchSemaphore(value: 0)
        let handle = try FileHandle(forWritingTo: input)
        let writer = Thread { [total] in
            for chunk in stride(from: 0, to: total, by: 10) {
                if chunk == total / 2 { receiverDown.wait() }
                handle.write(Data((chunk..<min(chunk + 10, total)).map { "seq \($0)\n" }.joined().utf8))
                written.withLockedValue { $0 = chunk + 10 }
                usleep(1_000)
            }
        }
        writer.start()
        addTeardownBlock { receiverDown.signal() }
        func received() -> [Int] { fileLines(output).compactMap { SyslogFields(rsyslogLine: $0).flatMap { Int($0.message.dropFirst(4)) } } }
        try poll("the first messages in rsyslog's output", timeout: 30, detail: { rsyslog.diagnostics }) { received().count >= total / 10 }
        rsyslog.stop()
        let beforeRestart = Set(received())
        receiverDown.signal()
        try poll("lines written while the receiver is down", timeout: 30) { written.withLockedValue { $0 } >= total * 3 / 4 }
        try rsyslog.start()
        try poll("the writer done", timeout: 30) { written.withLockedValue { $0 } >= total }
        try poll("all \(total) numbered messages in rsyslog's output", timeout: 60,
                 detail: { "missing: \(Set(0..<self.total).subtracting(received()).sorted().prefix(50))" }) {
            Set(received()).isSuperset(of: 0..<total)
        }
        RsyslogPipectl.stop(pipectl)
        rsyslog.stop()
        try handle.close()
        let all = received()
        XCTAssertEqual(Set(all), Set(0..<total), "every numbered message, nothing else")
        XCTAssertLessThan(beforeRestart.count, total, "the receiver was stopped mid-stream")
        print("receiver restart (\(listener)): \(total) messages, \(beforeRestart.count) before the restart, \(all.count - total) duplicates")
    }
}
