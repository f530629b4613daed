import Foundation
import NIOConcurrencyHelpers
import PipelineTesting
import XCTest

/// SIGTERM under load with `acknowledgements: true`: every frame the drain answered 204 for
/// is in the output; what it refused (503) may or may not be, nothing else is promised.
///
/// The output writes into a FIFO that the test drains slowly, so a backlog is still queued
/// when `shutdown_timeout` ends the run: without acknowledgements the drain would have
/// answered 204 for frames in that backlog, and they would be lost.
final class DrainShutdownUnderLoadTests: XCTestCase {
    private static func frame(_ id: Int) -> String {
        let line = "<190>1 2024-05-01T00:00:00+00:00 host app web.1 - id=\(id)\n"
        return "\(line.utf8.count) \(line)"
    }

    func testEveryAcknowledgedFrameIsKeptAcrossASigtermUnderLoad() throws {
        try stopUnderLoad(with: SIGTERM, expectedStatus: 0)
    }

    /// The same with `kill -9`: a 204 was only sent for frames the output had written.
    func testEveryAcknowledgedFrameIsKeptAcrossAKill9UnderLoad() throws {
        try stopUnderLoad(with: SIGKILL, expectedStatus: SIGKILL)
    }

    private func stopUnderLoad(with signal: Int32, expectedStatus: Int32) throws {
        _ = try Pipectl.binary()
        let dir = try temporaryDirectory(self)
        let port = try freeLoopbackPort()
        try """
        data_dir: ./data
        shutdown_timeout: 300ms
        api: { enabled: false }
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(port)", path: /logs, acknowledgements: true }
        transforms:
          fields: { type: logfmt, inputs: [drain] }
        outputs:
          out: { type: file, inputs: [fields], path: ./out.fifo }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let fifo = dir.appendingPathComponent("out.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let drained = NIOLockedValueBox<[UInt8]>([])
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async {
            defer { reader.leave() }
            let fd = open(fifo, O_RDONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                drained.withLockedValue { $0 += chunk[..<n] }
                usleep(5_000)  // a slow consumer: under 1 MB/s
            }
        }
        let process = try PipectlProcess(["run", "p.yaml"], in: dir)
        waitUntil("the drain answers") {
            (try? HTTPTestClient.request(port: port, "/logs", method: "POST",
                                         headers: [("Content-Type", "application/logplex-1")]))?.status == 204
        }

        // Two senders post bodies of 20 frames with unique ids until the drain goes away.
        let acknowledged = NIOLockedValueBox<[Int]>([]), answered = NIOLockedValueBox(0)
        let senders = DispatchGroup()
        for sender in 0..<2 {
            senders.enter()
            DispatchQueue.global().async {
                defer { senders.leave() }
                for request in 0..<5_000 {
                    let ids = (0..<20).map { (sender * 5_000 + request) * 20 + $0 }
                    let body = Array(ids.map(Self.frame).joined().utf8)
                    guard let answer = try? HTTPTestClient.request(port: port, "/logs", method: "POST",
                                                                   headers: [("Content-Type", "application/logplex-1")],
                                                                   body: body, timeoutSeconds: 5) else { return }
                    answered.withLockedValue { $0 += 1 }
                    if answer.status == 204 { acknowledged.withLockedValue { $0 += ids } }
                }
            }
        }
        waitUntil("load is flowing") { answered.withLockedValue { $0 } >= 600 }
        process.signal(signal)
        let result = process.wait(timeout: 10)
        XCTAssertEqual(result.status, expectedStatus, result.stderr)
        XCTAssertEqual(senders.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(reader.wait(timeout: .now() + 30), .success)

        let text = String(decoding: drained.withLockedValue { $0 }, as: UTF8.self)
        let written = Set(text.split(separator: "\n").map(String.init).compactMap { line -> Int? in
            guard let message = jsonObject(line)?["message"] as? String, message.hasPrefix("id=") else { return nil }
            return Int(message.dropFirst(3))
        })
        let kept = acknowledged.withLockedValue { $0 }
        XCTAssertGreaterThan(kept.count, 0)
        let missing = kept.filter { !written.contains($0) }
        XCTAssertEqual(missing.count, 0, "frames answered 204 but not in the output: \(missing.prefix(10))")
    }
}
