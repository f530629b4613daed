/// One unit test declared under `tests:` in a pipeline file (SPEC §7).
///
///     tests:
///       - name: router line becomes a request counter
///         input: { component: drain, message: 'at=info status=200 service=12ms', fields: { procid: router } }
///         expect:
///           - component: router_metrics
///             metric: { name: http_requests_total, labels: { status: "200" }, value: 1 }
///
/// `input.syslog` takes a whole RFC 5424 or RFC 3164 line instead (its header fills the
/// fields, as the syslog and drain inputs set them); `input.metric: {name, labels, value,
/// kind}` is a metric sample (for pipelines whose sources scrape or collect metrics);
/// `input.otlp: traces|logs|metrics` with `body:` an OTLP/JSON request is decoded by the
/// `opentelemetry` input it names, as a request to it would be. An expectation matches when the component emitted at
/// least one event with that name/message, a superset of those labels/fields, and that value;
/// `metric: {…, absent: true}` asserts no such metric; `count: N` counts all it emitted.
public struct PipelineTestCase: Sendable {
    public struct Input: Sendable {
        public var component: String
        public var message: String
        public var fields: [(String, FieldLiteral)]
        /// Unix nanoseconds; now when absent.
        public var timestamp: Int64?
        /// A metric sample to send instead of a log event.
        public var metric: Metric?
        /// A request in the input's own wire format (`otlp: traces` and its body), decoded by
        /// the input (`PipelineTestInputDecoding`).
        public var encoded: (format: String, body: String)?
    }

    /// A metric sample a test sends.
    public struct Metric: Sendable {
        public var name: String
        public var labels: [(String, String)]
        public var value: Double
        public var kind: MetricKind
    }

    public enum Expectation: Sendable {
        case metric(component: String, name: String, labels: [(String, String)], value: Double?, absent: Bool)
        case log(component: String, message: String?, fields: [(String, String)])
        case count(component: String, events: Int)
        /// A span with this name (and, when given, these resource/span attributes) was emitted.
        case span(component: String, name: String, attributes: [(String, String)])

        public var component: String {
            switch self {
            case .metric(let c, _, _, _, _), .log(let c, _, _), .count(let c, _), .span(let c, _, _): c
            }
        }
    }

    public var name: String
    public var inputs: [Input]
    public var expectations: [Expectation]
}

/// An input whose `tests:` inputs may be given in its wire format (`otlp: traces` plus a
/// body), decoded as a request to it would be.
public protocol PipelineTestInputDecoding {
    /// The batch `body` (in `format`) becomes, and the named port (1-based) it goes out on
    /// besides the default one.
    func decodeTestInput(format: String, body: String) throws -> (batch: EventBatch, port: Int?)
}
