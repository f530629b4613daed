import Codecs
import NIOCore
import NIOHTTP1

/// The admin API (SPEC §6): health, readiness, own metrics, the graph, per-component state,
/// taps (`GET /v1/tap/{id}`) and reload (`POST /v1/reload`).
///
/// With `api.token` set every endpoint but `/healthz` needs `Authorization: Bearer TOKEN`.
public final class AdminAPI: Sendable {
    /// Reloads the pipeline file and says what changed (`POST /v1/reload`).
    public typealias Reload = @Sendable () async -> ReloadReport

    private let server: SimpleHTTPServer

    /// The API of `topology`; `POST /v1/reload` calls `reload` (404 without one).
    public init(config: APIConfig, topology: Topology, reload: Reload? = nil) {
        let token = config.token
        server = SimpleHTTPServer(host: config.host, port: config.port, asyncHandler: { request in
            if request.method == .POST, request.path == "/v1/reload", Self.authorized(request, token: token) {
                return await Self.reload(reload)
            }
            return Self.route(request, topology: topology, token: token)
        })
    }

    /// Binds the listener; returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        do {
            return try await server.start()
        } catch {
            throw PipectlError("api.listen: \(error)")
        }
    }

    /// Stops the listener and ends every tap (each gets its totals line, if its reader is
    /// still there within a couple of seconds).
    public func stop() async { await server.stop() }

    static func route(_ request: SimpleHTTPServer.Request, topology: Topology, token: String?) -> SimpleHTTPServer.Response {
        let path = request.path
        if path == "/healthz" { return .init(status: .ok, text: "ok\n") }
        guard authorized(request, token: token) else {
            var r = SimpleHTTPServer.Response(status: .unauthorized, text: "missing or wrong bearer token\n")
            r.headers.add(name: "WWW-Authenticate", value: "Bearer")
            return r
        }
        guard request.method == .GET || request.method == .HEAD else {
            var r = SimpleHTTPServer.Response(status: .methodNotAllowed, text: "only GET is supported (and POST on /v1/reload)\n")
            r.headers.add(name: "Allow", value: "GET, HEAD")
            return r
        }
        if path.hasPrefix(TapRoute.prefix) { return TapRoute.response(request, topology: topology) }
        switch path {
        case "/readyz":
            let (ready, reason) = topology.readiness
            var body = ByteBuffer()
            body.writeStaticString("{\"ready\":")
            body.writeString(ready ? "true" : "false")
            body.writeStaticString(",\"reason\":")
            JSONWriter.writeString(reason, into: &body)
            body.writeStaticString("}\n")
            return .init(status: ready ? .ok : .serviceUnavailable, contentType: "application/json", body: body)
        case "/metrics":
            return .init(contentType: "text/plain; version=0.0.4; charset=utf-8", body: topology.telemetry.prometheusText())
        case "/v1/graph":
            return .init(contentType: "application/json", body: GraphRenderer.json(topology.config))
        case "/v1/components":
            return .init(contentType: "application/json", body: componentsJSON(topology))
        case "/v1/reload":
            var r = SimpleHTTPServer.Response(status: .methodNotAllowed, text: "reload with POST /v1/reload\n")
            r.headers.add(name: "Allow", value: "POST")
            return r
        default:
            return .init(status: .notFound, text: "not found: \(path)\n")
        }
    }

    /// 200 with the report when the running pipeline is now the file's, 422 when refused or failed.
    private static func reload(_ reload: Reload?) async -> SimpleHTTPServer.Response {
        guard let reload else { return .init(status: .notFound, text: "reload is not available\n") }
        let report = await reload()
        return .init(status: report.succeeded ? .ok : .unprocessableEntity, contentType: "application/json", body: report.json)
    }

    /// True without a token, or with `Authorization: Bearer TOKEN` (compared in constant time).
    private static func authorized(_ request: SimpleHTTPServer.Request, token: String?) -> Bool {
        guard let token else { return true }
        guard let value = request.headers.first(name: "Authorization"), value.hasPrefix("Bearer ") else { return false }
        let given = Array(value.dropFirst(7).utf8), expected = Array(token.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func componentsJSON(_ topology: Topology) -> ByteBuffer {
        var b = ByteBuffer()
        // `time` (Unix seconds, when the counters were read) lets a client such as `pipectl top`
        // turn two answers into rates without counting network delay as elapsed time.
        b.writeStaticString("{\"time\":"); JSONWriter.writeDouble(Double(WallClock.nanoseconds()) / 1e9, into: &b)
        b.writeStaticString(",\"components\":[")
        for (i, e) in topology.telemetry.entries.enumerated() {
            if i > 0 { b.writeStaticString(",") }
            let m = e.metrics
            b.writeStaticString("{\"id\":"); JSONWriter.writeString(e.id, into: &b)
            b.writeStaticString(",\"kind\":"); JSONWriter.writeString(e.role.rawValue, into: &b)
            b.writeStaticString(",\"type\":"); JSONWriter.writeString(e.type, into: &b)
            b.writeStaticString(",\"inputs\":[")
            for (k, u) in e.upstreams.enumerated() {
                if k > 0 { b.writeStaticString(",") }
                JSONWriter.writeString(u.description, into: &b)
            }
            b.writeStaticString("],\"received_events\":"); JSONWriter.writeInt(Int64(m.receivedEvents.load(ordering: .relaxed)), into: &b)
            b.writeStaticString(",\"received_bytes\":"); JSONWriter.writeInt(Int64(m.receivedBytes.load(ordering: .relaxed)), into: &b)
            b.writeStaticString(",\"sent_events\":"); JSONWriter.writeInt(Int64(m.sentEvents.load(ordering: .relaxed)), into: &b)
            b.writeStaticString(",\"errors\":"); writeCounts(m.errorCounts, into: &b)
            b.writeStaticString(",\"dropped\":"); writeCounts(m.dropCounts, into: &b)
            if let inbox = e.inbox {
                b.writeStaticString(",\"buffer_events\":"); JSONWriter.writeInt(Int64(inbox.eventCount), into: &b)
                b.writeStaticString(",\"buffer_bytes\":"); JSONWriter.writeInt(Int64(inbox.byteCount), into: &b)
                b.writeStaticString(",\"buffer_max_events\":"); JSONWriter.writeInt(Int64(inbox.budget.maxEvents), into: &b)
                if inbox.budget.maxBytes != .max {
                    b.writeStaticString(",\"buffer_max_bytes\":"); JSONWriter.writeInt(Int64(inbox.budget.maxBytes), into: &b)
                }
            }
            if e.role == .output {
                b.writeStaticString(",\"request_duration_seconds\":"); writeHistogram(m.requestDuration, into: &b)
            }
            b.writeStaticString(",\"failing\":"); b.writeString(m.failing.load(ordering: .relaxed) ? "true" : "false")
            if let state = m.state.withLockedValue({ $0 }) {
                b.writeStaticString(",\"state\":"); state(&b)
            }
            b.writeStaticString("}")
        }
        b.writeStaticString("]}\n")
        return b
    }

    /// `{"buckets":[[le,cumulative],…],"count":N,"sum":S}`: Prometheus' cumulative buckets
    /// (the `+Inf` bucket is `count`), from which a client estimates quantiles.
    private static func writeHistogram(_ histogram: LatencyHistogram, into b: inout ByteBuffer) {
        let (cumulative, sum) = histogram.snapshot
        b.writeStaticString("{\"buckets\":[")
        for (i, bound) in LatencyHistogram.bounds.enumerated() {
            if i > 0 { b.writeStaticString(",") }
            b.writeStaticString("["); JSONWriter.writeDouble(bound, into: &b)
            b.writeStaticString(","); JSONWriter.writeInt(Int64(cumulative[i]), into: &b)
            b.writeStaticString("]")
        }
        b.writeStaticString("],\"count\":"); JSONWriter.writeInt(Int64(cumulative.last ?? 0), into: &b)
        b.writeStaticString(",\"sum\":"); JSONWriter.writeDouble(sum, into: &b)
        b.writeStaticString("}")
    }

    private static func writeCounts(_ counts: [(String, Int)], into b: inout ByteBuffer) {
        b.writeStaticString("{")
        for (i, (k, v)) in counts.enumerated() {
            if i > 0 { b.writeStaticString(",") }
            JSONWriter.writeString(k, into: &b)
            b.writeStaticString(":")
            JSONWriter.writeInt(Int64(v), into: &b)
        }
        b.writeStaticString("}")
    }
}
