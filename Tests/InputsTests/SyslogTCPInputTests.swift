import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog input's TCP framing, limits and backpressure, over raw sockets.
final class SyslogTCPInputTests: XCTestCase {
    private static func line(_ n: Int) -> String { "<13>1 2026-01-01T00:00:00Z host app - - - message \(n)" }
    private static func octetCounted(_ range: Range<Int>) -> [UInt8] {
        Array(range.map { let l = line($0) + "\n"; return "\(l.utf8.count) \(l)" }.joined().utf8)
    }
    private static func lfFramed(_ range: Range<Int>) -> [UInt8] {
        Array(range.map { line($0) + "\n" }.joined().utf8)
    }

    private func send(_ port: Int, _ bytes: [UInt8], chunk: Int = Int.max) throws {
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        try SyslogTestSocket.send(fd, bytes, chunk: chunk)
    }

    func testOctetCountedAndLFFramedInAnyChunks() async throws {
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp")
        let out = pipeline.capture()
        var expected: [String] = []
        for chunk in [1, 3, 7, 64, Int.max] {
            try send(port, Self.octetCounted(0..<5), chunk: chunk)
            try send(port, Self.lfFramed(5..<10), chunk: chunk)
            expected += (0..<10).map { "message \($0)" }
        }
        try await eventually("every message") { out.eventCount == expected.count }
        XCTAssertEqual(out.messages.sorted(), expected.sorted())
        XCTAssertEqual(pipeline.metrics("in").errorCounter("parse").load(ordering: .relaxed), 0)
        let (batch, i) = try XCTUnwrap(SyslogInputTests.events(out).first)
        XCTAssertEqual(batch.stringField(i, .hostname), "host")
        XCTAssertEqual(batch.stringField(i, .appname), "app")
        XCTAssertEqual(batch.records[i].timestamp, 1_767_225_600_000_000_000)
    }

    func testRandomBytesLeaveTheInputServingOthers() async throws {
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp")
        let out = pipeline.capture()
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try send(port, garbage, chunk: 100)
        try send(port, Self.lfFramed(0..<3))
        try await eventually("the good connection's messages") {
            Set(out.messages).isSuperset(of: ["message 0", "message 1", "message 2"])
        }
    }

    func testAFrameOverTheLimitIsCountedAndTheNextArrives() async throws {
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", ", max_message_bytes: 100")
        let out = pipeline.capture()
        let long = "<13>1 - - - - - - " + String(repeating: "x", count: 300) + "\n"
        try send(port, Array("\(long.utf8.count) \(long)".utf8) + Self.octetCounted(0..<1), chunk: 50)
        try send(port, Array(long.utf8) + Self.lfFramed(1..<2), chunk: 50)
        try await eventually("the frames after the long ones") { Set(out.messages) == ["message 0", "message 1"] }
        XCTAssertEqual(pipeline.metrics("in").errorCounter("too_large").load(ordering: .relaxed), 2)
    }

    func testConnectionsOverTheLimitAreClosedAndCounted() async throws {
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", ", max_connections: 1")
        let out = pipeline.capture()
        let held = try SyslogTestSocket.connectTCP(port: port)
        defer { close(held) }
        try SyslogTestSocket.send(held, Self.lfFramed(0..<1))
        try await eventually("the first connection is served") { out.eventCount == 1 }
        let extra = try SyslogTestSocket.connectTCP(port: port)
        defer { close(extra) }
        try await eventually("the extra connection is refused") {
            pipeline.metrics("in").errorCounter("connection_refused").load(ordering: .relaxed) == 1
        }
    }

    func testBackpressureStopsReadingThenDeliversEverythingInOrder() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", output: stuck, outBuffer: "{ max_events: 3 }")
        // 24 MB: more than the kernel's loopback socket buffers (tcp_rmem + tcp_wmem maxima) hold.
        let count = 80_000, padding = String(repeating: "p", count: 240)
        let bytes = Array((0..<count).map { Self.line($0) + " \(padding)\n" }.joined().utf8)
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        let writer = Task.detached { try SyslogTestSocket.send(fd, bytes) }
        let metrics = pipeline.metrics("in")
        try await eventually("the input holds a batch") { metrics.receivedEvents.load(ordering: .relaxed) > 0 }
        // While the batch waits, the input reads nothing more: watch it for a bounded half second.
        let watchUntil = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < watchUntil {
            XCTAssertLessThan(metrics.receivedBytes.load(ordering: .relaxed), 1 << 20, "the input stopped reading")
            try await Task.sleep(for: .milliseconds(20))
        }
        stuck.resume()
        try await withTimeout(seconds: 60) { try await writer.value }
        try await eventually(timeout: 60, "every message") { stuck.eventCount == count }
        XCTAssertEqual(stuck.messages, (0..<count).map { "message \($0) \(padding)" })
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0)
    }

    func testAnIdleConnectionIsClosed() async throws {
        let (_, port) = try await SyslogInputTests.start(self, mode: "tcp", ", idle_timeout: 1s")
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        // The socket's 10 s receive timeout bounds the wait; 0 is the input closing it.
        var byte: UInt8 = 0
        XCTAssertEqual(read(fd, &byte, 1), 0, "closed by the input")
    }
}
