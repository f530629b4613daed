import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog input against the real util-linux `logger`, and over UDP.
final class SyslogInputTests: XCTestCase {
    /// A running pipeline `in` (syslog) → `out` (capture).
    static func start(_ test: XCTestCase, mode: String, _ options: String = "", output: CapturingOutput? = nil,
                      outBuffer: String = "") async throws -> (RunningPipeline, Int) {
        let port = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(NSTemporaryDirectory())pipectl-syslog-\(port)
        shutdown_timeout: 1s
        inputs:
          in: { type: syslog, mode: \(mode), listen: "127.0.0.1:\(port)"\(options) }
        outputs:
          out: { type: capture, inputs: [in]\(outBuffer.isEmpty ? "" : ", buffer: " + outBuffer) }
        """, types: [SyslogInputConfig.componentType]) { components in
            if let output { components.provide("out", .output(output)) }
        }
        test.addTeardownBlock { try? await pipeline.stop() }
        return (pipeline, port)
    }

    /// Every captured log event, flattened.
    static func events(_ out: CapturingOutput) -> [(LogBatch, Int)] {
        out.batches.flatMap { batch -> [(LogBatch, Int)] in
            guard case .logs(let logs) = batch else { return [] }
            return (0..<logs.count).map { (logs, $0) }
        }
    }

    /// Sends probe datagrams until the input emits one (UDP before `run` starts is dropped).
    static func awaitUDPReady(_ pipeline: RunningPipeline, port: Int) async throws {
        let out = pipeline.capture()
        try await eventually("udp input running") {
            try? SyslogTestSocket.sendUDP(port: port, Array("<13>1 - - - - - - probe".utf8))
            return out.eventCount > 0
        }
    }

    private func runLogger(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/logger")
        process.arguments = arguments
        process.environment = ["TZ": "UTC"]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        XCTAssertEqual(process.terminationStatus, 0, "logger \(arguments)")
    }

    private static var hostname: String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        return String(cString: name)
    }

    private func assertLoggerEvent(_ out: CapturingOutput, message: String, sd: String?, msgid: String?,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let (batch, i) = try XCTUnwrap(Self.events(out).first { $0.0.message($0.1) == message }, file: file, line: line)
        XCTAssertEqual(batch.field(i, .facility), .int(19), file: file, line: line)
        XCTAssertEqual(batch.field(i, .severity), .int(4), file: file, line: line)
        let host = try XCTUnwrap(batch.stringField(i, .hostname), file: file, line: line)
        XCTAssertTrue(Self.hostname.hasPrefix(host), "\(host) vs \(Self.hostname)", file: file, line: line)
        XCTAssertEqual(batch.stringField(i, .appname), "myapp", file: file, line: line)
        XCTAssertEqual(batch.stringField(i, .procid), "4242", file: file, line: line)
        XCTAssertEqual(batch.stringField(i, .msgid), msgid, file: file, line: line)
        if let sd {
            XCTAssertTrue(batch.stringField(i, .structuredData)?.contains(sd) == true,
                          "\(batch.stringField(i, .structuredData) ?? "nil")", file: file, line: line)
        } else {
            XCTAssertNil(batch.stringField(i, .structuredData), file: file, line: line)
        }
        XCTAssertNil(batch.field(i, .malformed), file: file, line: line)
        let now = WallClock.nanoseconds()
        XCTAssertLessThan(abs(batch.records[i].timestamp - now), 60_000_000_000, "timestamp", file: file, line: line)
    }

    func testLoggerUDPRFC5424() async throws {
        let (pipeline, port) = try await Self.start(self, mode: "udp")
        try await Self.awaitUDPReady(pipeline, port: port)
        let out = pipeline.capture()
        try runLogger(["--udp", "--rfc5424", "-n", "127.0.0.1", "-P", "\(port)", "-t", "myapp", "-p", "local3.warning",
                       "--id=4242", "--msgid", "MID", "--sd-id", "test@32473", "--sd-param", "k=\"v\"", "hello udp"])
        try await eventually("logger's message") { out.messages.contains("hello udp") }
        try assertLoggerEvent(out, message: "hello udp", sd: "[test@32473 k=\"v\"]", msgid: "MID")
    }

    func testLoggerTCPRFC3164() async throws {
        let (pipeline, port) = try await Self.start(self, mode: "tcp")
        let out = pipeline.capture()
        try runLogger(["--tcp", "--rfc3164", "-n", "127.0.0.1", "-P", "\(port)", "-t", "myapp", "-p", "local3.warning",
                       "--id=4242", "hello tcp 3164"])
        try await eventually("logger's message") { out.messages.contains("hello tcp 3164") }
        try assertLoggerEvent(out, message: "hello tcp 3164", sd: nil, msgid: nil)
    }

    func testLoggerTCPOctetCountingRFC5424() async throws {
        let (pipeline, port) = try await Self.start(self, mode: "tcp")
        let out = pipeline.capture()
        try runLogger(["--tcp", "--octet-count", "--rfc5424", "-n", "127.0.0.1", "-P", "\(port)", "-t", "myapp",
                       "-p", "local3.warning", "--id=4242", "--msgid", "MID", "hello octets"])
        try await eventually("logger's message") { out.messages.contains("hello octets") }
        try assertLoggerEvent(out, message: "hello octets", sd: "timeQuality", msgid: "MID")
    }

    func testUDPMalformedDatagramBecomesAMalformedEvent() async throws {
        let (pipeline, port) = try await Self.start(self, mode: "udp")
        try await Self.awaitUDPReady(pipeline, port: port)
        let out = pipeline.capture()
        try SyslogTestSocket.sendUDP(port: port, Array("not syslog at all\n".utf8))
        try await eventually("malformed event") { out.messages.contains("not syslog at all") }
        let (batch, i) = try XCTUnwrap(Self.events(out).first { $0.0.message($0.1) == "not syslog at all" })
        XCTAssertEqual(batch.field(i, .malformed), .bool(true))
        XCTAssertEqual(pipeline.metrics("in").errorCounter("parse").load(ordering: .relaxed), 1)
    }

    func testUDPDropsAndCountsWhenDownstreamIsFull() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await Self.start(self, mode: "udp", output: stuck, outBuffer: "{ max_events: 3 }")
        let metrics = pipeline.metrics("in"), dropped = metrics.dropCounter("buffer_full")
        try await eventually("a batch queued") {
            try? SyslogTestSocket.sendUDP(port: port, Array("<13>1 - - - - - - queued".utf8))
            return metrics.receivedEvents.load(ordering: .relaxed) > 0
        }
        try await eventually("datagrams dropped") {
            try? SyslogTestSocket.sendUDP(port: port, Array("<13>1 - - - - - - full".utf8))
            return dropped.load(ordering: .relaxed) > 0
        }
        stuck.resume()
        try await eventually("what was queued arrives") { stuck.eventCount > 0 }
    }

    func testUDPDatagramOverTheLimitIsDroppedAndCounted() async throws {
        let (pipeline, port) = try await Self.start(self, mode: "udp", ", max_message_bytes: 64")
        try await Self.awaitUDPReady(pipeline, port: port)
        let out = pipeline.capture()
        try SyslogTestSocket.sendUDP(port: port, Array("<13>1 - - - - - - \(String(repeating: "x", count: 100))".utf8))
        try SyslogTestSocket.sendUDP(port: port, Array("<13>1 - - - - - - after".utf8))
        try await eventually("the next datagram") { out.messages.contains("after") }
        XCTAssertEqual(pipeline.metrics("in").errorCounter("too_large").load(ordering: .relaxed), 1)
        XCTAssertFalse(out.messages.contains { $0.hasPrefix("xxx") })
    }
}

/// Blocking POSIX sockets to 127.0.0.1 for the tests.
enum SyslogTestSocket {
    static func sendUDP(port: Int, _ bytes: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw PipectlError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == bytes.count else { throw PipectlError("sendto: \(String(cString: strerror(errno)))") }
    }

    /// A connected TCP socket with 10 s send/receive timeouts.
    static func connectTCP(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipectlError("socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw PipectlError("connect: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Writes all of `bytes` in pieces of `chunk` bytes.
    static func send(_ fd: Int32, _ bytes: [UInt8], chunk: Int = Int.max) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(chunk, bytes.count - offset)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, n) }
            guard written > 0 else { throw PipectlError("write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
