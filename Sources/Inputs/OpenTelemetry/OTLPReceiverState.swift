import Atomics
import Codecs
import NIOConcurrencyHelpers
import NIOHTTP1
import Pipeline

/// What every OTLP connection shares, on whichever event loop it runs.
final class OTLPReceiverState: Sendable {
    let config: OpenTelemetryInputConfig
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    /// Delta temporality is accumulated per series across requests, whichever loop they come on.
    let deltas = OTLPDeltaSums()
    let connections = ManagedAtomic<Int>(0)
    /// Data points refused inside an accepted request (answered in `partial_success`).
    let rejectedPoints: ManagedAtomic<Int>

    init(config: OpenTelemetryInputConfig, metrics: ComponentMetrics, log: RateLimitedLogger) {
        self.config = config
        self.metrics = metrics
        self.log = log
        rejectedPoints = metrics.dropCounter("rejected")
    }

    /// True when no `tokens` are set, or `headers` carry `Authorization: Bearer <one of them>`
    /// (gRPC metadata arrives as the same header).
    func authorizes(_ headers: HTTPHeaders) -> Bool {
        guard !config.tokens.isEmpty else { return true }
        let authorization = headers.first(name: "Authorization") ?? ""
        guard authorization.lowercased().hasPrefix("bearer ") else { return false }
        return config.tokens.contains(authorization.dropFirst(7).trimmingCharacters(in: .whitespaces))
    }

    /// Counts and logs the items refused inside an accepted request (its partial success).
    func countRejected(_ decoded: OTLPRequestDecoder.Decoded, signal: OTLPSignal) {
        guard decoded.rejected > 0 else { return }
        rejectedPoints.wrappingIncrement(by: decoded.rejected, ordering: .relaxed)
        log.warning("refused \(decoded.rejected) item(s) of an OTLP \(signal.path) request: \(decoded.rejection ?? "?")")
    }

    /// Counts a refused request by status (`errors{kind="request_400"}`, …) and logs why.
    func refused(_ status: Int, _ signal: OTLPSignal?, _ why: String) {
        metrics.errorCounter("request_\(status)").wrappingIncrement(ordering: .relaxed)
        log.warning("refused OTLP \(signal.map { $0.path + " " } ?? "")request with \(status): \(why)")
    }
}
