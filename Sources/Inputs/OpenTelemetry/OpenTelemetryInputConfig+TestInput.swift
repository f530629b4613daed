import Codecs
import Logging
import NIOCore
import Pipeline

/// `tests:` inputs such as `{component: otel, otlp: traces, body: '{"resourceSpans": …}'}`:
/// an OTLP/JSON request decoded as this input decodes one.
extension OpenTelemetryInputConfig: PipelineTestInputDecoding {
    public func decodeTestInput(format: String, body: String) throws -> (batch: EventBatch, port: Int?) {
        guard format.hasPrefix("otlp/"), let signal = OTLPSignal(rawValue: String(format.dropFirst(5))) else {
            throw PipectlError("an opentelemetry input takes otlp: traces, logs or metrics, not '\(format)'")
        }
        let quiet = Logger(label: "pipectl-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let state = OTLPReceiverState(config: self, metrics: ComponentMetrics(id: "test"), log: RateLimitedLogger(logger: quiet))
        let json = OTLPBodyFormat(json: true, gzip: false)
        var decoder = OTLPRequestDecoder(state: state)
        switch decoder.decode(ByteBuffer(string: body), signal: signal, format: json, now: WallClock.nanoseconds()) {
        case .success(let decoded): return (decoded.batch, signal.port)
        case .failure(let refusal): throw PipectlError(refusal.message)
        }
    }
}
