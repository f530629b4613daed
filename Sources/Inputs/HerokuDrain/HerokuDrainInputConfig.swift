import NIOCore
import Pipeline
import TLSOptions

/// `heroku_drain`: a Heroku logplex HTTPS drain endpoint.
///
/// - listen (address, required): e.g. `0.0.0.0:8443`.
/// - path (string, default `/`): requests to other paths get 404.
/// - tls (`{cert, key, ca, verify_client}`, optional): PEM files, TLS 1.2 or newer; see
///   `ServerTLSOptions` (logplex presents no client certificate).
/// - tokens (list, default none = no auth): accepted `Logplex-Drain-Token` values and/or
///   basic-auth passwords of the drain URL (`https://user:TOKEN@host/path`).
/// - apps (map drain token → app name, optional): sets the `app` field.
/// - max_body_bytes (size, default 10MiB): larger bodies get 413.
/// - max_frame_bytes (size, default 10KiB): larger frames become malformed events.
/// - dedupe_window (duration, default 10m): a `Logplex-Frame-Id` seen within it is acknowledged
///   without being emitted again (logplex retries with the same id).
/// - backpressure_wait (duration, default 1s): how long a request may wait for room
///   downstream before it is answered 503 with `Retry-After`.
/// - acknowledgements (bool, default false): answer 204 only once every output reading the
///   frames has them in its buffer (on disk where configured); 503 with `Retry-After` when
///   that does not happen within `backpressure_wait` or an output lost them.
/// - max_connections (integer, default 1024); idle_timeout (duration, default 60s).
public struct HerokuDrainInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "heroku_drain", role: .input, produces: .fixed(.log)) {
        HerokuDrainInputConfig(reader: $0)
    }

    var host = "0.0.0.0"
    var port = 0
    var path = "/"
    var tls: ServerTLSOptions?
    var tokens: Set<String> = []
    var apps: [String: String] = [:]
    var maxBodyBytes = 10 * 1024 * 1024
    var maxFrameBytes = 10 * 1024
    var dedupeWindow: Duration = .seconds(600)
    var backpressureWait: Duration = .seconds(1)
    var maxConnections = 1024
    var idleTimeout: Duration = .seconds(60)
    var acknowledgements = false

    public init(reader: ConfigReader) {
        if let address = reader.address("listen", required: true) { (host, port) = address }
        path = reader.string("path") ?? "/"
        if !path.hasPrefix("/") { reader.error("path", "must start with '/', got '\(path)'") }
        tls = reader.child("tls").flatMap(ServerTLSOptions.init(reader:))
        tokens = Set(reader.stringList("tokens") ?? [])
        apps = Dictionary(reader.stringMap("apps") ?? [], uniquingKeysWith: { $1 })
        maxBodyBytes = reader.size("max_body_bytes", default: maxBodyBytes)
        maxFrameBytes = reader.size("max_frame_bytes", default: maxFrameBytes)
        dedupeWindow = reader.duration("dedupe_window", default: dedupeWindow)
        backpressureWait = reader.duration("backpressure_wait", default: backpressureWait)
        maxConnections = reader.int("max_connections", default: maxConnections, range: 1...1_000_000)
        idleTimeout = reader.duration("idle_timeout", default: idleTimeout, minimum: .seconds(1))
        acknowledgements = reader.bool("acknowledgements", default: false)
    }

    /// One producer lane per event loop of the drain: one per core.
    public var producerLanes: Int { System.coreCount }

    /// Loads the TLS files here, so a bad one stops `pipectl run` before anything starts.
    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(try HerokuDrainInput(config: self, metrics: context.metrics, logger: context.logger))
    }
}
