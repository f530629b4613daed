import Foundation
import NIOCore
@testable import Pipeline
import PipelineTesting
import XCTest

final class AdminAPITests: XCTestCase {
    /// A running pipeline (its output stuck, so the input is held by backpressure; with
    /// `flowing`, an output taking a batch every millisecond) with the admin API on a free
    /// port; torn down after `body`.
    private func withRunningAPI(token: String? = nil, flowing: Bool = false, reload: AdminAPI.Reload? = nil,
                                _ body: @escaping @Sendable (Int, Topology, AdminAPI) async throws -> Void) async throws {
        let components = TestComponents()
        let output = flowing ? CapturingOutput(store: false, delay: .milliseconds(1)) : CapturingOutput(paused: true)
        components.provide("out", .output(output))
        let tokenLine = token.map { ", token: \($0)" } ?? ""
        let topology = try components.topology("""
        shutdown_timeout: 5s
        api: {listen: "127.0.0.1:0"\(tokenLine)}
        inputs:
          gen: {type: sequence, batch_size: 10}
        transforms:
          route: {type: same, ports: [matched], inputs: [gen], buffer: {max_events: 100}}
        outputs:
          out:
            type: capture
            inputs: [route, route.matched]
            buffer: {max_events: 100}
        """)
        let api = AdminAPI(config: topology.config.api, topology: topology, reload: reload)
        let port = try await api.start()
        XCTAssertGreaterThan(port, 0)
        let run = Task { await topology.run() }
        do {
            try await eventually(timeout: 10, "pipeline running") { topology.state == .running }
            try await body(port, topology, api)
        } catch {
            topology.shutdown(); output.resume(); await api.stop()
            throw error
        }
        topology.shutdown()
        output.resume()
        try await withTimeout(seconds: 30) { await run.value }
        await api.stop()
    }

    func testHealthAndReadiness() async throws {
        try await withRunningAPI { port, topology, _ in
            let health = try await get(port, "/healthz")
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.body, "ok\n")
            let ready = try await get(port, "/readyz")
            XCTAssertEqual(ready.status, 200)
            XCTAssertEqual(ready.header("Content-Type"), "application/json")
            XCTAssertEqual(ready.body, "{\"ready\":true,\"reason\":\"ready\"}\n")
            topology.shutdown()
            let stopping = try await get(port, "/readyz")
            XCTAssertEqual(stopping.status, 503)
            XCTAssertTrue(stopping.body.hasPrefix("{\"ready\":false,\"reason\":\"pipeline is "), stopping.body)
        }
    }

    func testMetrics() async throws {
        try await withRunningAPI { port, _, _ in
            let response = try await get(port, "/metrics")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
            let lines = response.body.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.contains("# TYPE pipectl_component_received_events_total counter"))
            for (id, kind, type) in [("gen", "input", "sequence"), ("route", "transform", "same"), ("out", "output", "capture")] {
                let prefix = "pipectl_component_received_events_total{component=\"\(id)\",component_kind=\"\(kind)\",component_type=\"\(type)\"} "
                XCTAssertEqual(lines.filter { $0.hasPrefix(prefix) }.count, 1, "no line starting \(prefix)")
            }
            XCTAssertTrue(lines.contains { $0.hasPrefix("pipectl_buffer_events{component=\"out\",") })
            XCTAssertTrue(lines.contains { $0.hasPrefix("process_start_time_seconds ") })
            XCTAssertEqual(lines.filter { $0.hasPrefix("# HELP pipectl_component_sent_events_total ") }.count, 1, "HELP once per family")
        }
    }

    func testGraphJSON() async throws {
        try await withRunningAPI { port, _, _ in
            let response = try await get(port, "/v1/graph")
            XCTAssertEqual(response.status, 200)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            let nodes = try XCTUnwrap(object["nodes"] as? [[String: String]])
            XCTAssertEqual(nodes, [["id": "gen", "kind": "input", "type": "sequence"],
                                   ["id": "route", "kind": "transform", "type": "same"],
                                   ["id": "out", "kind": "output", "type": "capture"]])
            let edges = try XCTUnwrap(object["edges"] as? [[String: String]])
            XCTAssertEqual(edges, [["from": "gen", "to": "route"], ["from": "route", "to": "out"],
                                   ["from": "route", "port": "matched", "to": "out"]])
        }
    }

    func testComponentsJSON() async throws {
        try await withRunningAPI { port, _, _ in
            let response = try await get(port, "/v1/components")
            XCTAssertEqual(response.status, 200)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            let list = try XCTUnwrap(object["components"] as? [[String: Any]])
            XCTAssertEqual(list.compactMap { $0["id"] as? String }, ["gen", "route", "out"])
            XCTAssertEqual(list.compactMap { $0["kind"] as? String }, ["input", "transform", "output"])
            let out = list[2]
            XCTAssertEqual(out["inputs"] as? [String], ["route", "route.matched"])
            XCTAssertNotNil(out["buffer_events"] as? Int)
            XCTAssertEqual(out["dropped"] as? [String: Int], [:], "a blocking buffer never drops, so it has no drop counter")
            XCTAssertEqual(out["failing"] as? Bool, false)
            XCTAssertNil(list[0]["buffer_events"], "inputs have no buffer")
            XCTAssertEqual(out["buffer_max_events"] as? Int, 100)
            XCTAssertNil(out["buffer_max_bytes"], "no buffer.max_size: unbounded in bytes, so absent")
            XCTAssertNil(list[0]["buffer_max_events"])
            let time = try XCTUnwrap(object["time"] as? Double)
            XCTAssertEqual(time, Date().timeIntervalSince1970, accuracy: 60, "when the counters were read, Unix seconds")
            let latency = try XCTUnwrap(out["request_duration_seconds"] as? [String: Any], "outputs carry their request histogram")
            let buckets = try XCTUnwrap(latency["buckets"] as? [[Double]])
            XCTAssertEqual(buckets.map { $0[0] }, LatencyHistogram.bounds)
            XCTAssertEqual(latency["count"] as? Int, 0, "capture sends no requests")
            XCTAssertNil(list[1]["request_duration_seconds"], "only outputs have one")
            XCTAssertGreaterThan(list[0]["sent_events"] as? Int ?? 0, 0, "the input got events out before backpressure held it")
        }
    }

    func testComponentsJSONRequestHistogram() async throws {
        try await withRunningAPI { port, topology, _ in
            let out = try XCTUnwrap(topology.telemetry.entries.first { $0.id == "out" })
            out.metrics.requestDuration.observe(.milliseconds(7))
            out.metrics.requestDuration.observe(.seconds(40))
            let response = try await get(port, "/v1/components")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            let list = try XCTUnwrap(object["components"] as? [[String: Any]])
            let latency = try XCTUnwrap(list[2]["request_duration_seconds"] as? [String: Any])
            let buckets = try XCTUnwrap(latency["buckets"] as? [[Double]])
            XCTAssertEqual(buckets.first, [0.005, 0])
            XCTAssertEqual(buckets[1], [0.01, 1], "cumulative, as Prometheus' le buckets")
            XCTAssertEqual(buckets.last, [30, 1], "40s is only in +Inf, which is count")
            XCTAssertEqual(latency["count"] as? Int, 2)
            XCTAssertEqual(latency["sum"] as? Double ?? 0, 40.007, accuracy: 1e-9)
        }
    }

    func testComponentState() async throws {
        try await withRunningAPI { port, topology, _ in
            let route = try XCTUnwrap(topology.telemetry.entries.first { $0.id == "route" })
            route.metrics.state.withLockedValue { $0 = { $0.writeString(#"{"admitted_series":3}"#) } }
            let response = try await get(port, "/v1/components")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            let list = try XCTUnwrap(object["components"] as? [[String: Any]])
            XCTAssertEqual(list[1]["state"] as? [String: Int], ["admitted_series": 3])
            XCTAssertNil(list[0]["state"], "a component without state shows none")
        }
    }

    func testUnknownPathAndMethod() async throws {
        try await withRunningAPI { port, _, _ in
            let missing = try await get(port, "/nope")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.body, "not found: /nope\n")
            let post = try await get(port, "/metrics", method: "POST")
            XCTAssertEqual(post.status, 405)
            XCTAssertEqual(post.header("Allow"), "GET, HEAD")
            let head = try await get(port, "/metrics", method: "HEAD")
            XCTAssertEqual(head.status, 200)
            XCTAssertEqual(head.body, "", "a HEAD response carries no body")
            XCTAssertGreaterThan(Int(head.header("Content-Length") ?? "") ?? 0, 0)
            let query = try await get(port, "/readyz?verbose=1")
            XCTAssertEqual(query.status, 200, "the query string is ignored")
        }
    }

    func testBearerToken() async throws {
        try await withRunningAPI(token: "let-me-in") { port, _, _ in
            let none = try await get(port, "/metrics")
            XCTAssertEqual(none.status, 401)
            XCTAssertEqual(none.header("WWW-Authenticate"), "Bearer")
            let wrong = try await get(port, "/metrics", token: "let-me-out")
            XCTAssertEqual(wrong.status, 401)
            let longer = try await get(port, "/metrics", token: "let-me-in-please")
            XCTAssertEqual(longer.status, 401)
            let basic = try await Task.detached {
                try HTTPTestClient.request(port: port, "/v1/graph", headers: [("Authorization", "Basic let-me-in")])
            }.value
            XCTAssertEqual(basic.status, 401)
            let metrics = try await get(port, "/metrics", token: "let-me-in")
            XCTAssertEqual(metrics.status, 200)
            XCTAssertTrue(metrics.body.contains("pipectl_component_received_events_total{component=\"gen\""))
            let components = try await get(port, "/v1/components", token: "let-me-in")
            XCTAssertEqual(components.status, 200)
            let readyWithout = try await get(port, "/readyz")
            XCTAssertEqual(readyWithout.status, 401)
            let health = try await get(port, "/healthz")
            XCTAssertEqual(health.status, 200, "/healthz never needs the token")
            let tap = try await get(port, "/v1/tap/gen?limit=1")
            XCTAssertEqual(tap.status, 401, "a tap needs the token too")
        }
    }

    // MARK: Taps

    func testTapStreamsEventsUpToItsLimit() async throws {
        try await withRunningAPI(flowing: true) { port, topology, _ in
            let response = try await get(port, "/v1/tap/gen?limit=25")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("Content-Type"), "application/x-ndjson")
            XCTAssertEqual(response.header("Transfer-Encoding"), "chunked")
            let lines = ndjsonLines(response.content)
            XCTAssertEqual(lines.count, 26, "25 events, then the totals: \(lines.prefix(3))")
            for line in lines.dropLast() {
                let event = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
                XCTAssertEqual(event["message"] as? String, SequenceInput.message)
                XCTAssertNotNil(event["seq"] as? Int, line)
                XCTAssertNotNil(event["timestamp"] as? String, line)
            }
            XCTAssertEqual(lines.last, #"{"tap":{"events":25,"skipped":0}}"#)
            let point = try XCTUnwrap(topology.tapPoint("gen"))
            try await eventually("the tap is closed") { !point.isActive }
        }
    }

    func testSeveralTapsAtOnce() async throws {
        try await withRunningAPI(flowing: true) { port, _, _ in
            async let first = get(port, "/v1/tap/gen?limit=1000")
            async let second = get(port, "/v1/tap/gen?limit=1000")
            async let third = get(port, "/v1/tap/route?limit=1000")
            var seqs: [Set<Int>] = []
            for response in try await [first, second, third] {
                XCTAssertEqual(response.status, 200)
                let lines = ndjsonLines(response.content)
                XCTAssertEqual(lines.last, #"{"tap":{"events":1000,"skipped":0}}"#)
                seqs.append(Set(lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["seq"] as? Int }))
                XCTAssertEqual(seqs.last?.count, 1000)
            }
            XCTAssertFalse(seqs[0].isDisjoint(with: seqs[1]), "both taps on gen were open at the same time, so saw the same events")
        }
    }

    func testTapRefusals() async throws {
        try await withRunningAPI { port, _, _ in
            let refusals = [
                ("/v1/tap/nope", 404, "no component \"nope\" in this pipeline; inputs and transforms: gen, route\n"),
                ("/v1/tap/out", 400, "\"out\" is an output: outputs send nothing downstream; tap its inputs instead: route, route.matched\n"),
                ("/v1/tap/route?port=nope", 400,
                 "\"route\" has no port \"nope\"; its ports: matched (without port=, the default port is tapped)\n"),
                ("/v1/tap/gen?port=x", 400, "\"gen\" has no port \"x\"; it has only its default port (without port=, the default port is tapped)\n"),
                ("/v1/tap/gen?limit=0", 400, "limit=0: expected a whole number of events above 0\n"),
            ]
            for (path, status, message) in refusals {
                let response = try await get(port, path)
                XCTAssertEqual(response.status, status, path)
                XCTAssertEqual(response.body, message, path)
            }
            let head = try await get(port, "/v1/tap/route?port=matched", method: "HEAD")
            XCTAssertEqual(head.status, 200, "a named port can be tapped")
        }
    }

    func testStoppingTheAPIEndsATapWithItsTotals() async throws {
        try await withRunningAPI(flowing: true) { port, topology, api in
            let stream = Task { try await get(port, "/v1/tap/gen") }
            let point = try XCTUnwrap(topology.tapPoint("gen"))
            try await eventually("the tap is open") { point.isActive }
            await api.stop()
            let response = try await withTimeout(seconds: 15) { try await stream.value }
            let lines = ndjsonLines(response.content)
            let events = lines.filter { !$0.hasPrefix(#"{"tap":"#) }.count
            XCTAssertTrue(lines.last?.hasPrefix(#"{"tap":{"events":\#(events),"skipped":"#) == true, "\(lines.suffix(2))")
            XCTAssertFalse(point.isActive)
        }
    }

    func testAClientThatLeavesClosesItsTap() async throws {
        try await withRunningAPI { port, topology, _ in  // held by backpressure: the tap waits for events
            let point = try XCTUnwrap(topology.tapPoint("gen"))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(connected, 0)
            let request = Array("GET /v1/tap/gen HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            XCTAssertEqual(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }, request.count)
            try await eventually("the tap is open") { point.isActive }
            close(fd)
            try await eventually("the tap is closed once its client has gone") { !point.isActive }
        }
    }

    // MARK: Reload

    func testReload() async throws {
        let calls = Calls()
        let applied = { var r = ReloadReport(outcome: .applied); r.changed = ["route"]; return r }()
        try await withRunningAPI(token: "t", reload: { calls.add(); return applied }) { port, _, _ in
            let denied = try await get(port, "/v1/reload", method: "POST")
            XCTAssertEqual(denied.status, 401)
            XCTAssertEqual(calls.count, 0, "no reload without the token")
            let post = try await get(port, "/v1/reload", method: "POST", token: "t")
            XCTAssertEqual(post.status, 200)
            XCTAssertEqual(post.header("Content-Type"), "application/json")
            XCTAssertEqual(post.body, String(buffer: applied.json))
            XCTAssertEqual(calls.count, 1)
            let get = try await get(port, "/v1/reload", token: "t")
            XCTAssertEqual(get.status, 405)
            XCTAssertEqual(get.header("Allow"), "POST")
        }
        let refused = ReloadReport(outcome: .refused, errors: ["pipeline.yaml:3:5: inputs.gen.type: unknown type"])
        try await withRunningAPI(reload: { refused }) { port, _, _ in
            let post = try await get(port, "/v1/reload", method: "POST")
            XCTAssertEqual(post.status, 422)
            XCTAssertTrue(post.body.contains("pipeline.yaml:3:5: inputs.gen.type: unknown type"), post.body)
        }
        try await withRunningAPI { port, _, _ in
            let post = try await get(port, "/v1/reload", method: "POST")
            XCTAssertEqual(post.status, 404)
            XCTAssertEqual(post.body, "reload is not available\n")
        }
    }

    func testListenFailureNamesTheAddress() async throws {
        let components = TestComponents()
        let topology = try components.topology("""
        inputs:
          gen: {type: sequence, count: 1}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        var free = topology.config.api
        free.port = 0
        let first = AdminAPI(config: free, topology: topology)
        let port = try await first.start()
        var taken = free
        taken.port = port
        do {
            try await AdminAPI(config: taken, topology: topology).start()
            XCTFail("binding a taken port must fail")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("api.listen: cannot listen on 127.0.0.1:\(port): "), "\(error)")
        }
        await first.stop()
    }
}

/// GET (or `method`) `path` from 127.0.0.1:`port`, on a thread of its own: the client blocks,
/// and a few blocked at once on the cooperative pool would starve the pipeline they read.
private func get(_ port: Int, _ path: String, method: String = "GET", token: String? = nil) async throws -> HTTPTestClient.Response {
    let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try HTTPTestClient.request(port: port, path, method: method, headers: headers) })
        }
    }
}

/// Counts calls from any thread.
private final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var count: Int { lock.withLock { n } }
}

/// The lines of a body, without the empty piece after the last newline.
private func ndjsonLines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }
