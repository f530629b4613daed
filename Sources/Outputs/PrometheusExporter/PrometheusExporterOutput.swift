import Atomics
import NIOCore
import Pipeline

/// `prometheus_exporter`: serves the latest value of every series at `listen` + `/metrics`.
///
/// - listen (address, default 0.0.0.0:9598)
/// - expire_after (duration, default 5m): series not updated for this long are dropped.
public struct PrometheusExporterOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "prometheus_exporter", role: .output, accepts: .metric,
                                                    produces: .none) { PrometheusExporterOutputConfig(reader: $0) }

    let host: String
    let port: Int
    let expireAfter: Duration

    init(reader: ConfigReader) {
        let address = reader.address("listen", default: "0.0.0.0:9598") ?? ("0.0.0.0", 9598)
        (host, port) = address
        expireAfter = reader.duration("expire_after", default: .seconds(300), minimum: .seconds(1))
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .output(PrometheusExporterOutput(host: host, port: port, expireAfter: expireAfter))
    }
}

/// Keeps a `SeriesStore` current and serves it over HTTP.
final class PrometheusExporterOutput: OutputStage {
    private let store: SeriesStore
    private let server: SimpleHTTPServer
    private let expireAfter: Duration
    /// The bound port (after `prepare`), for tests using port 0.
    let boundPort = ManagedAtomic<Int>(0)

    init(host: String, port: Int, expireAfter: Duration) {
        let store = SeriesStore()
        self.store = store
        self.expireAfter = expireAfter
        server = SimpleHTTPServer(host: host, port: port) { request in
            guard request.path == "/metrics" else { return .init(status: .notFound, text: "not found; try /metrics\n") }
            return .init(contentType: "text/plain; version=0.0.4; charset=utf-8", body: store.render())
        }
    }

    func prepare() async throws {
        boundPort.store(try await server.start(), ordering: .relaxed)
    }

    func run(_ context: OutputContext) async throws {
        defer { Task { [server] in await server.stop() } }
        var nextExpiry = ContinuousClock.now + .seconds(10)
        while true {
            switch await context.inbox.next(deadline: nextExpiry) {
            case .batch(let batch):
                context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
                if case .metrics(let metrics) = batch { store.update(metrics) }
                context.metrics.sentEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                batch.acknowledge(.delivered)
            case .timeout:
                store.expire(olderThan: WallClock.nanoseconds() - expireAfter.nanoseconds)
                nextExpiry = ContinuousClock.now + .seconds(10)
            case .closed:
                await server.stop()
                return
            }
        }
    }
}
