import Foundation
import Inputs
import Logging
import Pipeline
import PipelineTesting
import XCTest

/// The drain against logplex bodies as Heroku documents them, over real sockets.
final class HerokuDrainInputTests: XCTestCase {
    static let router = "<158>1 2024-05-01T00:00:00.001000+00:00 host heroku router - at=info method=GET path=\"/\" host=x.herokuapp.com request_id=1 fwd=\"1.2.3.4\" dyno=web.1 connect=1ms service=22ms status=304 bytes=656 protocol=https\n"
    static let l10 = "<172>1 2024-05-01T00:00:01+00:00 host heroku logplex - Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T00:00:00+00:00."
    static let app = "<190>1 2024-05-01T00:00:02+00:00 host app web.1 - measure#db.latency=12ms count#signup=1\n"

    static func frame(_ m: String) -> String { "\(m.utf8.count) \(m)" }
    static let body = Array((frame(router) + frame(l10) + frame(app)).utf8)

    private var topology: Topology?
    private var runTask: Task<Void, Never>?

    override func tearDown() async throws {
        topology?.shutdown()
        await runTask?.value
    }

    /// Starts `drain (options) -> out (capture)`; returns the drain port, the capture and the drain's metrics.
    private func start(_ options: String = "", output: CapturingOutput = CapturingOutput(), outBuffer: String = "",
                       probe: [(String, String)] = []) async throws
        -> (Int, CapturingOutput, ComponentMetrics) {
        let port = try freeLoopbackPort()
        let components = TestComponents()
        components.provide("out", .output(output))
        var registry = components.registry
        registry.register(HerokuDrainInputConfig.componentType)
        let yaml = """
        data_dir: \(NSTemporaryDirectory())pipectl-drain-\(port)
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(port)", path: /logs\(options.isEmpty ? "" : ", " + options) }
        outputs:
          out: { type: capture, inputs: [drain]\(outBuffer.isEmpty ? "" : ", buffer: " + outBuffer) }
        """
        let outcome = ConfigLoader.load(text: yaml, file: "drain.yaml", registry: registry)
        let config = try XCTUnwrap(outcome.config, "\(outcome.errors)")
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        self.topology = topology
        runTask = Task { await topology.run() }
        let metrics = topology.telemetry.entries.first { $0.id == "drain" }!.metrics
        // Requests before the input's task has started are answered 503; wait until it takes them.
        try await eventually("drain accepts") {
            (try? post(port, [], headers: probe))?.status == 204
        }
        return (port, output, metrics)
    }

    private func post(_ port: Int, _ body: [UInt8], headers: [(String, String)] = [], path: String = "/logs",
                      method: String = "POST", chunk: Int = 0) throws -> HTTPTestClient.Response {
        try HTTPTestClient.request(port: port, path, method: method,
                                   headers: [("Content-Type", "application/logplex-1")] + headers, body: body, chunkSize: chunk)
    }

    private func logplexHeaders(count: Int = 3, frameID: String? = nil, token: String? = nil) -> [(String, String)] {
        var h = [("Logplex-Msg-Count", String(count)), ("User-Agent", "Logplex/v72")]
        if let frameID { h.append(("Logplex-Frame-Id", frameID)) }
        if let token { h.append(("Logplex-Drain-Token", token)) }
        return h
    }

    func testFramesAreSplitByCountWithTheL10NoticeGluedToTheNextFrame() async throws {
        let (port, out, metrics) = try await start()
        let response = try post(port, Self.body, headers: logplexHeaders(frameID: "f1", token: "d.abc"))
        XCTAssertEqual(response.status, 204)
        try await eventually("3 events") { out.eventCount == 3 }
        XCTAssertEqual(out.messages, [
            "at=info method=GET path=\"/\" host=x.herokuapp.com request_id=1 fwd=\"1.2.3.4\" dyno=web.1 connect=1ms service=22ms status=304 bytes=656 protocol=https",
            "Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T00:00:00+00:00.",
            "measure#db.latency=12ms count#signup=1",
        ])
        guard case .logs(let logs) = out.batches[0] else { return XCTFail("expected logs") }
        func text(_ i: Int, _ k: KnownField) -> String? {
            if case .bytes(let s) = logs.field(i, k) { return logs.string(s) }
            return nil
        }
        XCTAssertEqual(text(0, .procid), "router")
        XCTAssertEqual(text(1, .procid), "logplex")
        XCTAssertEqual(text(2, .appname), "app")
        XCTAssertEqual(text(2, .procid), "web.1")
        XCTAssertEqual(text(0, .drainToken), "d.abc")
        XCTAssertEqual(text(0, .frameID), "f1")
        XCTAssertEqual(logs.field(0, .severity), .int(6))
        XCTAssertEqual(logs.field(0, .facility), .int(19))
        XCTAssertEqual(logs.records[0].timestamp, 1_714_521_600_001_000_000)
        XCTAssertEqual(metrics.errorCounter("parse").load(ordering: .relaxed), 0)
        XCTAssertEqual(metrics.errorCounter("msg_count_mismatch").load(ordering: .relaxed), 0)
    }

    func testARetriedFrameIDIsAcknowledgedButNotEmittedTwice() async throws {
        let (port, out, metrics) = try await start()
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(frameID: "same")).status, 204)
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(frameID: "same")).status, 204)
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(frameID: "other")).status, 204)
        try await eventually("6 events") { out.eventCount == 6 }
        XCTAssertEqual(metrics.dropCounter("duplicate_frame_id").load(ordering: .relaxed), 1)
        XCTAssertEqual(out.eventCount, 6)
    }

    func testPrivateSpaceBodiesWithoutFrameIDOrTokenAreAccepted() async throws {
        let (port, out, _) = try await start()
        XCTAssertEqual(try post(port, Self.body, headers: [("Logplex-Msg-Count", "3")]).status, 204)
        XCTAssertEqual(try post(port, Self.body, headers: [("Logplex-Msg-Count", "3")]).status, 204)
        try await eventually("both bodies, no dedupe without an id") { out.eventCount == 6 }
    }

    func testAuthenticationByDrainTokenOrBasicPassword() async throws {
        let (port, out, metrics) = try await start("tokens: [d.good, s3cret], apps: { d.good: billing }",
                                                   probe: [("Logplex-Drain-Token", "d.good")])
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(token: "d.bad")).status, 401)
        XCTAssertEqual(try post(port, Self.body).status, 401)
        let wrongPassword = "Basic " + Data("web:nope".utf8).base64EncodedString()
        XCTAssertEqual(try post(port, Self.body, headers: [("Authorization", wrongPassword)]).status, 401)
        XCTAssertEqual(out.eventCount, 0, "nothing accepted on 401")
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(token: "d.good")).status, 204)
        let basic = "Basic " + Data("shop:s3cret".utf8).base64EncodedString()
        XCTAssertEqual(try post(port, Self.body, headers: [("Authorization", basic)]).status, 204)
        try await eventually("6 events") { out.eventCount == 6 }
        let apps = out.batches.compactMap { batch -> String? in
            guard case .logs(let l) = batch, case .bytes(let s)? = l.field(0, .app) else { return nil }
            return l.string(s)
        }
        XCTAssertEqual(apps, ["billing", "shop"], "app from the apps map, else the basic-auth user")
        XCTAssertGreaterThanOrEqual(metrics.errorCounter("request_401").load(ordering: .relaxed), 3)
        let logged = out.batches.map { batch -> String in
            guard case .logs(let l) = batch else { return "" }
            return (0..<l.count).map { i in l.message(i) }.joined()
        }.joined()
        XCTAssertFalse(logged.contains("s3cret"), "a basic-auth password never reaches events")
    }

    func testWrongMethodPathAndContentType() async throws {
        let (port, out, _) = try await start()
        let get = try post(port, [], method: "GET")
        XCTAssertEqual(get.status, 405)
        XCTAssertEqual(get.header("Allow"), "POST")
        XCTAssertEqual(try post(port, Self.body, path: "/other").status, 404)
        let json = try HTTPTestClient.request(port: port, "/logs", method: "POST", headers: [("Content-Type", "application/json")], body: Self.body)
        XCTAssertEqual(json.status, 415)
        XCTAssertEqual(out.eventCount, 0)
    }

    func testBodyOverTheLimitIs413() async throws {
        let (port, out, metrics) = try await start("max_body_bytes: 100")
        XCTAssertEqual(try post(port, Self.body).status, 413)
        XCTAssertEqual(out.eventCount, 0)
        XCTAssertEqual(metrics.errorCounter("request_413").load(ordering: .relaxed), 1)
    }

    func testALyingLengthBecomesOneMalformedEventAndTheOtherFramesPass() async throws {
        let (port, out, metrics) = try await start()
        let lying = "40 " + Self.router
        let body = Array((Self.frame(Self.router) + lying + Self.frame(Self.app)).utf8)
        XCTAssertEqual(try post(port, body, headers: logplexHeaders(count: 3)).status, 204)
        try await eventually("3 events") { out.eventCount == 3 }
        guard case .logs(let logs) = out.batches[0] else { return XCTFail() }
        XCTAssertNil(logs.field(0, .malformed))
        XCTAssertEqual(logs.field(1, .malformed), .bool(true))
        XCTAssertTrue(logs.message(1).hasPrefix("40 <158>1"), "the raw bytes are kept: \(logs.message(1))")
        XCTAssertEqual(logs.message(2), "measure#db.latency=12ms count#signup=1")
        XCTAssertEqual(metrics.errorCounter("parse").load(ordering: .relaxed), 1)
    }

    func testAGoodFrameBeforeANonSyslogFrameStandsAlone() async throws {
        let (port, out, metrics) = try await start()
        let body = Array((Self.frame(Self.router) + "11 hello world" + Self.frame(Self.app)).utf8)
        XCTAssertEqual(try post(port, body, headers: logplexHeaders(count: 3)).status, 204)
        try await eventually("3 events") { out.eventCount == 3 }
        guard case .logs(let logs) = out.batches[0] else { return XCTFail() }
        XCTAssertNil(logs.field(0, .malformed))
        XCTAssertTrue(logs.message(0).hasPrefix("at=info method=GET"), logs.message(0))
        XCTAssertEqual(logs.field(1, .malformed), .bool(true))
        XCTAssertEqual(logs.message(1), "hello world", "only the frame that is no syslog is malformed")
        XCTAssertNil(logs.field(2, .malformed))
        XCTAssertEqual(logs.message(2), "measure#db.latency=12ms count#signup=1")
        XCTAssertEqual(metrics.errorCounter("parse").load(ordering: .relaxed), 1)
    }

    func testMessageCountMismatchIsCountedNotFatal() async throws {
        let (port, out, metrics) = try await start()
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(count: 5)).status, 204)
        try await eventually("3 events") { out.eventCount == 3 }
        XCTAssertEqual(metrics.errorCounter("msg_count_mismatch").load(ordering: .relaxed), 1)
        XCTAssertEqual(try post(port, Self.body, headers: [("Logplex-Msg-Count", "three")]).status, 204)
        try await eventually("6 events") { out.eventCount == 6 }
        XCTAssertEqual(metrics.errorCounter("msg_count_mismatch").load(ordering: .relaxed), 2, "a count that is no number is a mismatch")
    }

    func testBodiesInOddSizedTCPChunks() async throws {
        let (port, out, _) = try await start()
        for size in [1, 7, 13, 100] {
            XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders(), chunk: size).status, 204, "chunks of \(size)")
        }
        try await eventually("12 events") { out.eventCount == 12 }
        XCTAssertEqual(Set(out.messages).count, 3)
    }

    func testBackpressureAnswers503WithRetryAfterThenRecovers() async throws {
        let stuck = CapturingOutput(paused: true)
        let (port, out, metrics) = try await start("backpressure_wait: 50ms", output: stuck, outBuffer: "{ max_events: 3 }")
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<5 {
            let r = try post(port, Self.body, headers: logplexHeaders())
            statuses.append(r.status)
            if r.status == 503 { retryAfter = r.header("Retry-After") }
        }
        XCTAssertTrue(statuses.contains(503), "\(statuses)")
        XCTAssertEqual(retryAfter, "1")
        XCTAssertGreaterThan(metrics.errorCounter("request_503").load(ordering: .relaxed), 0)
        let accepted = statuses.filter { $0 == 204 }.count
        stuck.resume()
        try await eventually("accepted bodies delivered") { out.eventCount == accepted * 3 }
        XCTAssertEqual(try post(port, Self.body, headers: logplexHeaders()).status, 204, "accepts again once drained")
    }

    func testHTTPSWithAGeneratedCertificate() async throws {
        let dir = NSTemporaryDirectory() + "pipectl-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/key.pem",
                                       "-out", "\(dir)/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1"]) == 0 else {
            throw XCTSkip("openssl is not available to make a test certificate")
        }
        let port = try freeLoopbackPort()
        let components = TestComponents()
        var registry = components.registry
        registry.register(HerokuDrainInputConfig.componentType)
        let yaml = """
        data_dir: \(dir)/data
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(port)", tls: { cert: \(dir)/cert.pem, key: \(dir)/key.pem } }
        outputs:
          out: { type: capture, inputs: [drain] }
        """
        let config = try XCTUnwrap(ConfigLoader.load(text: yaml, file: "tls.yaml", registry: registry).config)
        let topology = try Topology(config: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        self.topology = topology
        runTask = Task { await topology.run() }
        let bodyFile = "\(dir)/body"
        FileManager.default.createFile(atPath: bodyFile, contents: Data(Self.body))
        try await eventually("TLS drain answers 204") {
            self.run("/usr/bin/curl", ["-s", "-k", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                       "-H", "Content-Type: application/logplex-1", "--data-binary", "@\(bodyFile)",
                                       "https://127.0.0.1:\(port)/"], expect: "204") == 0
        }
        let out = try XCTUnwrap(components.capture("out"))
        try await eventually("3 events over TLS") { out.eventCount == 3 }
    }

    /// Runs a program; with `expect`, succeeds only when its standard output equals it.
    @discardableResult
    private func run(_ path: String, _ args: [String], expect: String? = nil) -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: path) else { return -1 }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if let expect, output != expect { return 1 }
        return p.terminationStatus
    }
}
