/// The three OpenTelemetry signals, each with its own OTLP/HTTP path and request message.
package enum OTLPSignal: String, Sendable, CaseIterable {
    case logs, metrics, traces

    /// The OTLP/HTTP path (`/v1/logs`, `/v1/metrics`, `/v1/traces`).
    package var path: String { "/v1/\(rawValue)" }

    /// The input's port for the signal's events: its place in `allCases` after the default port
    /// (`logs` is port 1).
    package var port: Int { Self.allCases.firstIndex(of: self)! + 1 }

    /// The request message: `ExportLogsServiceRequest` and so on.
    package var requestMessage: String {
        switch self {
        case .logs: "ExportLogsServiceRequest"
        case .metrics: "ExportMetricsServiceRequest"
        case .traces: "ExportTraceServiceRequest"
        }
    }
}
