import Codecs
import NIOCore
import Pipeline
import TLSOptions

/// `opentelemetry`: an OTLP/HTTP receiver (`POST /v1/logs`, `/v1/metrics`, `/v1/traces`),
/// protobuf (`application/x-protobuf`) or JSON (`application/json`), plain or gzip.
///
/// - listen (address, required): e.g. `0.0.0.0:4318`, OTLP/HTTP's port.
/// - grpc_listen (address, default none): OTLP/gRPC too, e.g. `0.0.0.0:4317` (HTTP/2; with
///   `tls`, TLS with ALPN `h2`). Same options, decoding and answers as OTLP/HTTP, as gRPC
///   statuses: INVALID_ARGUMENT, UNAUTHENTICATED, RESOURCE_EXHAUSTED (too large),
///   UNAVAILABLE (backpressure, shutdown: clients retry).
/// - tls (`{cert, key, ca, verify_client}`, optional): PEM files, TLS 1.2 or newer.
/// - tokens (list, default none = no auth): accepted `Authorization: Bearer <token>` values;
///   other requests get 401.
/// - max_body_bytes (size, default 20MiB): a body over it, compressed or once decompressed,
///   gets 413.
/// - backpressure_wait (duration, default 1s): how long a request may wait for room
///   downstream before it is answered 503 with `Retry-After` (OTLP clients retry on it).
/// - acknowledgements (bool, default false): answer 200 only once every output reading the
///   events has them in its buffer (on disk where configured); 503 with `Retry-After` when that
///   does not happen within `backpressure_wait` or an output lost them.
/// - max_connections (integer, default 1024); idle_timeout (duration, default 60s).
///
/// Logs become log events, metrics metric events (`OTLPMetricsDecoder`: Prometheus names and
/// labels, delta sums and histograms accumulated into cumulative), traces span batches kept
/// encoded. The default port emits all three; the ports `logs`, `metrics` and `traces` one
/// kind each, for components that take only one (`inputs: [otel.traces]`).
public struct OpenTelemetryInputConfig: ComponentConfig {
    public static let componentType = ComponentType(
        name: "opentelemetry", role: .input, produces: .kinds(.any),
        portProduces: ["logs": .fixed(.log), "metrics": .fixed(.metric), "traces": .fixed(.span)]
    ) {
        OpenTelemetryInputConfig(reader: $0)
    }

    var host = "0.0.0.0"
    var port = 0
    /// `grpc_listen`, when set.
    var grpc: GRPCAddress?

    /// Where OTLP/gRPC listens.
    struct GRPCAddress {
        var host: String
        var port: Int
    }
    var tls: ServerTLSOptions?
    var tokens: Set<String> = []
    var maxBodyBytes = 20 * 1024 * 1024
    var backpressureWait: Duration = .seconds(1)
    var maxConnections = 1024
    var idleTimeout: Duration = .seconds(60)
    var acknowledgements = false

    public init(reader: ConfigReader) {
        if let address = reader.address("listen", required: true) { (host, port) = address }
        if let (grpcHost, grpcPort) = reader.address("grpc_listen") {
            if grpcHost == host, grpcPort == port, port != 0 {
                reader.error("grpc_listen", "must differ from listen (\(grpcHost):\(grpcPort))")
            }
            grpc = GRPCAddress(host: grpcHost, port: grpcPort)
        }
        tls = reader.child("tls").flatMap(ServerTLSOptions.init(reader:))
        tokens = Set(reader.stringList("tokens") ?? [])
        maxBodyBytes = reader.size("max_body_bytes", default: maxBodyBytes)
        backpressureWait = reader.duration("backpressure_wait", default: backpressureWait)
        maxConnections = reader.int("max_connections", default: maxConnections, range: 1...1_000_000)
        idleTimeout = reader.duration("idle_timeout", default: idleTimeout, minimum: .seconds(1))
        acknowledgements = reader.bool("acknowledgements", default: false)
    }

    /// One port per signal, named after it, in `OTLPSignal` order (port 1 is `logs`).
    public var ports: [String] { OTLPSignal.allCases.map(\.rawValue) }

    /// One producer lane per event loop of the receiver: one per core.
    public var producerLanes: Int { System.coreCount }

    /// Loads the TLS files here, so a bad one stops `pipectl run` before anything starts.
    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(try OpenTelemetryInput(config: self, metrics: context.metrics, logger: context.logger))
    }
}
