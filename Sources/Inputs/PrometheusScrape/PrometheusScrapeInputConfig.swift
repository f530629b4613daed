import AsyncHTTPClient
import Codecs
import Pipeline
import Relabeling
import TLSOptions

/// `prometheus_scrape`: scrapes Prometheus text 0.0.4 and OpenMetrics 1.0 endpoints, as Prometheus'
/// `scrape_config` does.
///
/// - targets (list): `host:port` (scraped at `scheme://host:port/metrics_path`) or full URLs.
/// - static_configs (list of `{targets, labels}`): targets with extra labels. At least one target
///   overall is required.
/// - job (string, default the component id): the `job` label.
/// - interval (duration, default 1m, Prometheus' default): time between scrapes of a target; the
///   targets' first scrapes are spread over it.
/// - timeout (duration, default 10s or `interval` if shorter): at most `interval`.
/// - metrics_path (string, default `/metrics`); scheme (`http` | `https`, default `http`).
/// - params (map of name to string): query parameters (`module: http_2xx`).
/// - honor_labels (bool, default false): on a clash with a target label (`job`, `instance`,
///   `static_configs` labels) the exposed label is renamed `exported_<name>`; with true it is kept
///   and the target label dropped.
/// - bearer_token (string): sends `Authorization: Bearer <token>`.
/// - basic_auth (`{username, password}`): HTTP basic auth; not with `bearer_token`.
/// - tls (`{ca, cert, key, server_name, verify}`): client TLS for `https` targets, as the network
///   outputs take it (`ClientTLSOptions`).
/// - metric_relabel (list of rules): Prometheus `metric_relabel_configs`, each a
///   `RelabelRuleConfig`, applied to every scraped sample after the target labels (and
///   `honor_labels`); a sample they drop is not emitted. `up` and `scrape_*` are not relabeled.
/// - body_size_limit (size, default 0 = none): a larger uncompressed body fails the scrape.
/// - sample_limit (integer, default 0 = none): more samples fail the scrape.
public struct PrometheusScrapeInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "prometheus_scrape", role: .input, produces: .fixed(.metric)) {
        PrometheusScrapeInputConfig(reader: $0)
    }

    /// Addresses and their extra labels, resolved into targets when the job is known.
    var addresses: [(address: String, labels: [(String, String)])] = []
    var job: String?
    var interval: Duration = .seconds(60)
    var timeout: Duration = .seconds(10)
    var metricsPath = "/metrics"
    var scheme = "http"
    var query = ""
    var honorLabels = false
    var bodySizeLimit = 0
    var sampleLimit = 0
    /// The `Authorization` header value, if any.
    var authorization: String?
    var tls: ClientTLSOptions?
    var metricRelabel: [RelabelRuleConfig] = []

    public init(reader: ConfigReader) {
        for (i, address) in (reader.stringList("targets") ?? []).enumerated() {
            if PrometheusScrapeTarget.isAddress(address) { addresses.append((address, [])) }
            else { reader.error("targets", item: i, Self.badAddress(address)) }
        }
        for group in reader.childList("static_configs") {
            defer { group.finish() }
            let labels = group.stringMap("labels") ?? []
            for (name, _) in labels where !PrometheusName.isValidLabelName(name) || name.hasPrefix("__") {
                group.error("labels", "invalid label name '\(name)'")
            }
            for (i, address) in (group.stringList("targets", required: true) ?? []).enumerated() {
                if PrometheusScrapeTarget.isAddress(address) { addresses.append((address, labels)) }
                else { group.error("targets", item: i, Self.badAddress(address)) }
            }
        }
        if addresses.isEmpty { reader.error(nil, "expected at least one target in 'targets' or 'static_configs'") }
        job = reader.string("job")
        interval = reader.duration("interval", default: interval, minimum: .milliseconds(100))
        timeout = reader.duration("timeout", default: min(timeout, interval), minimum: .milliseconds(10))
        if timeout > interval { reader.error("timeout", "must not be longer than interval (\(interval.formatted))") }
        metricsPath = reader.string("metrics_path") ?? metricsPath
        if !metricsPath.hasPrefix("/") { reader.error("metrics_path", "must start with '/', got '\(metricsPath)'") }
        scheme = reader.choice("scheme", ["http", "https"], default: scheme)
        query = PrometheusScrapeTarget.query(reader.stringMap("params") ?? [])
        honorLabels = reader.bool("honor_labels", default: false)
        authorization = Self.authorization(reader)
        bodySizeLimit = reader.size("body_size_limit", default: 0)
        sampleLimit = reader.int("sample_limit", default: 0, range: 0...Int(Int32.max))
        tls = reader.child("tls").map(ClientTLSOptions.init(reader:))
        metricRelabel = reader.childList("metric_relabel").compactMap(RelabelRuleConfig.decode)
    }

    private static func authorization(_ reader: ConfigReader) -> String? {
        let token = reader.string("bearer_token")
        guard let basic = reader.child("basic_auth") else { return token.map { "Bearer \($0)" } }
        defer { basic.finish() }
        if token != nil { reader.error("basic_auth", "use either bearer_token or basic_auth, not both") }
        guard let user = basic.string("username", required: true), let password = basic.string("password", required: true)
        else { return nil }
        return HTTPClient.Authorization.basic(username: user, password: password).headerValue
    }

    private static func badAddress(_ text: String) -> String {
        "expected host:port or an http:// or https:// URL, got '\(text)'"
    }

    /// The targets, with `job` defaulting to the component id.
    func targets(componentID: String) -> [PrometheusScrapeTarget] {
        addresses.compactMap { target($0, job: job ?? componentID) }
    }

    private func target(_ entry: (address: String, labels: [(String, String)]), job: String) -> PrometheusScrapeTarget? {
        PrometheusScrapeTarget(address: entry.address, scheme: scheme, metricsPath: metricsPath, query: query,
                               job: job, labels: entry.labels)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let targets = targets(componentID: context.id)
        return .input(PrometheusScrapeInput(config: self, targets: targets, tls: try tls?.makeConfiguration(),
                                            metricRelabel: try targets.map { _ in try makeMetricRelabel() },
                                            logger: context.logger))
    }

    /// A target's own `metric_relabel` program (a program is one task's scratch space); nil without
    /// rules. Validation already reported a regex that fails to compile.
    private func makeMetricRelabel() throws -> RelabelProgram? {
        guard !metricRelabel.isEmpty else { return nil }
        do throws(RelabelRegex.CompileError) {
            return try RelabelProgram(metricRelabel)
        } catch {
            throw PipectlError("metric_relabel: regex does not compile: \(error.message) at offset \(error.offset)")
        }
    }
}
