import Foundation
import Pipeline
import PipelineTesting
import XCTest

/// `acknowledgements: true` on the syslog input: a connection is read on only once every
/// output has the last batch read from it in its buffer.
final class SyslogAcknowledgementTests: XCTestCase {
    private static func line(_ text: String) -> [UInt8] { Array("<13>1 - host app - - - \(text)\n".utf8) }

    /// Writes `bytes` from `offset` without blocking until the socket takes no more or all is
    /// written; true when it took no more (the receiver's window and our send buffer are full).
    private static func sendUntilBlocked(_ fd: Int32, _ bytes: [UInt8], _ offset: inout Int) throws -> Bool {
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return true }
            guard n > 0 else { throw PipectlError("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
        return false
    }

    func testReadingWaitsForTheFirstBatchsAcknowledgementThenEverythingArrivesInOrder() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", ", acknowledgements: true", output: stuck)
        let metrics = pipeline.metrics("in")
        // 24 MB: more than the kernel's loopback socket buffers take from a receiver that reads nothing.
        let count = 80_000, padding = String(repeating: "p", count: 240)
        let first = Self.line("message 0 \(padding)")
        let bytes = first + Array((1..<count).map { "<13>1 - host app - - - message \($0) \(padding)\n" }.joined().utf8)
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        try await withTimeout(seconds: 120) {
            try SyslogTestSocket.send(fd, first)
            try await eventually("the first batch is emitted") { metrics.receivedEvents.load(ordering: .relaxed) == 1 }
            var offset = first.count
            try await eventually(timeout: 30, "the sender's window closes") { try Self.sendUntilBlocked(fd, bytes, &offset) }
            XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 1, "nothing read while the first batch is unacknowledged")
            XCTAssertEqual(metrics.receivedBytes.load(ordering: .relaxed), first.count)
            XCTAssertGreaterThan(offset, 1 << 20, "the bytes piled up in the kernel")

            stuck.resume()
            try await eventually(timeout: 60, "the rest is written") {
                _ = try Self.sendUntilBlocked(fd, bytes, &offset)
                return offset == bytes.count
            }
            try await eventually(timeout: 60, "every message") { stuck.eventCount == count }
            XCTAssertEqual(stuck.messages, (0..<count).map { "message \($0) \(padding)" })
            XCTAssertEqual(metrics.errorCounter("dropped_downstream").load(ordering: .relaxed), 0)
            XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0)
        }
    }

    func testOverTLSReadingWaitsForTheAcknowledgementToo() async throws {
        let certs = try TLSTestCertificates(self)
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(
            self, mode: "tls", ", acknowledgements: true, tls: { cert: \(certs.serverCert), key: \(certs.serverKey) }", output: stuck)
        let metrics = pipeline.metrics("in")
        let count = 20_000, padding = String(repeating: "p", count: 240)
        let first = Self.line("message 0 \(padding)")
        let rest = Array((1..<count).map { "<13>1 - host app - - - message \($0) \(padding)\n" }.joined().utf8)
        let client = try await SyslogTLSTestClient(port: port, SyslogTLSTestClient.configuration(ca: certs.ca))
        try await withTimeout(seconds: 120) {
            try await client.send(first)
            try await eventually("the first batch is emitted") { metrics.receivedEvents.load(ordering: .relaxed) == 1 }
            let written = client.write(rest)
            try await eventually(timeout: 30, "the client's writes back up") { !client.isWritable }
            XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 1, "nothing read while the first batch is unacknowledged")
            XCTAssertEqual(metrics.receivedBytes.load(ordering: .relaxed), first.count)

            stuck.resume()
            try await written.get()
            try await eventually(timeout: 60, "every message") { stuck.eventCount == count }
            XCTAssertEqual(stuck.messages, (0..<count).map { "message \($0) \(padding)" })
            await client.close()
        }
    }

    /// The same stuck output without acknowledgements: its queue takes more than one batch.
    func testWithoutAcknowledgementsTheQueueIsEnough() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", output: stuck)
        let metrics = pipeline.metrics("in")
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        try await withTimeout(seconds: 30) {
            try SyslogTestSocket.send(fd, Self.line("a"))
            try await eventually("the first batch is emitted") { metrics.receivedEvents.load(ordering: .relaxed) == 1 }
            try SyslogTestSocket.send(fd, Self.line("b"))
            try await eventually("the second is read too") { metrics.receivedEvents.load(ordering: .relaxed) == 2 }
        }
    }

    /// An output that drops a batch (its `drop_newest` buffer is full) releases the connection:
    /// the loss is counted and the connection read on.
    func testADroppedBatchIsCountedAndReadingResumes() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", ", acknowledgements: true", output: stuck,
                                                                outBuffer: "{ when_full: drop_newest, max_events: 1 }")
        let metrics = pipeline.metrics("in"), dropped = metrics.errorCounter("dropped_downstream")
        let a = try SyslogTestSocket.connectTCP(port: port), b = try SyslogTestSocket.connectTCP(port: port)
        defer { close(a); close(b) }
        try await withTimeout(seconds: 30) {
            try SyslogTestSocket.send(a, Self.line("a 0"))
            try await eventually("a's batch fills the buffer") { metrics.receivedEvents.load(ordering: .relaxed) == 1 }
            try SyslogTestSocket.send(b, Self.line("b 0"))
            try await eventually("b's batch is dropped and counted") { dropped.load(ordering: .relaxed) == 1 }
            try SyslogTestSocket.send(b, Self.line("b 1"))
            try await eventually("b is read on after the drop") { dropped.load(ordering: .relaxed) == 2 }
            stuck.resume()
            try await eventually("a's batch arrives") { stuck.eventCount == 1 }
            XCTAssertEqual(stuck.messages, ["a 0"])
        }
    }

    /// A connection waiting on an acknowledgement an output never gives does not hold up shutdown.
    func testShutdownIsBoundedWhileAConnectionWaits() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await SyslogInputTests.start(self, mode: "tcp", ", acknowledgements: true", output: stuck)
        let metrics = pipeline.metrics("in")
        let fd = try SyslogTestSocket.connectTCP(port: port)
        defer { close(fd) }
        try SyslogTestSocket.send(fd, Self.line("waiting"))
        try await eventually("the batch is emitted") { metrics.receivedEvents.load(ordering: .relaxed) == 1 }
        try SyslogTestSocket.send(fd, Self.line("held back"))
        try await pipeline.stop(timeout: 15)
    }
}
