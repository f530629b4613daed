/// One of pipectl's own metrics at one moment.
public struct TelemetrySample: Sendable {
    public let name: String
    public let labels: [(String, String)]
    public let value: Double
    public let kind: MetricKind
    public let help: String
}
