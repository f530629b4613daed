import AsyncHTTPClient
import Codecs
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Pipeline
import Relabeling
import TLSOptions

/// Scrapes one target: requests its page, streams the (gunzipped) body through the parser into a
/// batch, and adds stale markers and the scrape's own series.
struct PrometheusScraper {
    /// Why a scrape failed; `kind` is the `errors{kind}` counter it counts in.
    struct Failure: Error, Sendable {
        let kind: String
        let reason: String
    }

    /// How one scrape went, besides its batch.
    struct Report {
        var failure: Failure?
        /// Body bytes received (gunzipped).
        var bodyBytes: Int
        var malformedLines: Int
        var firstMalformed: String?
        /// Samples dropped for repeating a series earlier in the page.
        var duplicateSeries = 0
    }

    /// Prometheus' `Accept` header: OpenMetrics first, 0.0.4 as the fallback.
    static let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"

    let target: PrometheusScrapeTarget
    /// The URL requested: the target's, or the one naming `tls.server_name`.
    let url: String
    let timeout: Duration
    let honorLabels: Bool
    let bodySizeLimit: Int
    let sampleLimit: Int
    let authorization: String?
    let metricRelabel: RelabelProgram?
    private var staleness = PrometheusScrapeStaleness()
    /// The `metric_relabel` state kept from scrape to scrape (its `replace` results stay
    /// remembered); lent to each scrape's writer, taken back after.
    private var relabeler: MetricRelabeler?
    /// The last scrape's sample and label counts, to size the next batch.
    private var lastCount = 64
    private var lastLabelCount = 256

    init(target: PrometheusScrapeTarget, url: String? = nil, timeout: Duration, honorLabels: Bool, bodySizeLimit: Int,
         sampleLimit: Int, authorization: String?, metricRelabel: RelabelProgram? = nil) {
        self.authorization = authorization
        self.target = target
        self.url = url ?? target.url
        self.metricRelabel = metricRelabel
        relabeler = metricRelabel.map { MetricRelabeler(program: $0) }
        self.timeout = timeout
        self.honorLabels = honorLabels
        self.bodySizeLimit = bodySizeLimit
        self.sampleLimit = sampleLimit
    }

    /// Scrapes once; never throws: a failure is `up 0` in the batch and `Report.failure`.
    mutating func scrape(_ client: HTTPClient) async -> (MetricBatch, Report) {
        let started = ContinuousClock.now
        var fetched = await fetchWithin(timeout, client, timestamp: WallClock.milliseconds(), relabeler: relabeler.take())
        if fetched.failure != nil {
            fetched.writer.dropSamples()
            staleness.markAllStale(&fetched.writer)
        }
        var duplicates = fetched.failure == nil ? staleness.update(&fetched.writer, page: fetched.page) : 0
        if duplicates > 0 { duplicates = fetched.writer.dropRepeatedSeries() }
        relabeler = fetched.writer.takeRelabeler() ?? metricRelabel.map { MetricRelabeler(program: $0) }
        lastCount = max(fetched.scraped, 64)
        lastLabelCount = max(fetched.writer.batch.labels.count, 256)
        let seconds = Double((ContinuousClock.now - started).nanoseconds) / 1e9
        let ok = fetched.failure == nil
        fetched.writer.appendScrapeSeries("up", ok ? 1 : 0)
        fetched.writer.appendScrapeSeries("scrape_duration_seconds", seconds)
        fetched.writer.appendScrapeSeries("scrape_samples_scraped", Double(fetched.scraped))
        fetched.writer.appendScrapeSeries("scrape_samples_post_metric_relabeling", Double(ok ? fetched.writer.sampleCount : 0))
        let report = Report(failure: fetched.failure, bodyBytes: fetched.bytes, malformedLines: fetched.malformed,
                            firstMalformed: fetched.firstMalformed, duplicateSeries: duplicates)
        return (fetched.writer.batch, report)
    }

    /// Fetches in a child task raced against `timeout`: the client's deadline does not cover a body
    /// that stalls, and the timeout must (cancelling the request). The child leaves its result in
    /// a box rather than returning it, so no finished task still holds the batch when it is
    /// changed next (which would copy it).
    private func fetchWithin(_ timeout: Duration, _ client: HTTPClient, timestamp: Int64,
                             relabeler: consuming MetricRelabeler?) async -> PrometheusScrapeFetch {
        let capacity = lastCount + 8, labelCapacity = lastLabelCount + 64
        // Handed over through a box, so the child holds the only reference (no copy on first use).
        let lent = NIOLockedValueBox<MetricRelabeler?>(consume relabeler)
        let box = NIOLockedValueBox<PrometheusScrapeFetch?>(nil)
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                let writer = makeWriter(timestamp, capacity, labelCapacity, lent.withLockedValue { $0.take() })
                let fetched = await fetch(client, writer: writer, capacity: capacity)
                box.withLockedValue { $0 = consume fetched }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if finished, let fetched = box.withLockedValue({ $0.take() }) { return fetched }
        return PrometheusScrapeFetch(writer: makeWriter(timestamp, 8, 64, nil),
                                     failure: Failure(kind: "scrape", reason: "timed out after \(timeout.formatted)"))
    }

    /// A writer for one scrape, with `relabeler` (a new one from `metricRelabel` when nil).
    private func makeWriter(_ timestamp: Int64, _ capacity: Int, _ labelCapacity: Int,
                            _ relabeler: consuming MetricRelabeler?) -> PrometheusScrapeWriter {
        PrometheusScrapeWriter(target: target, honorLabels: honorLabels,
                               metricRelabel: relabeler ?? metricRelabel.map { MetricRelabeler(program: $0) },
                               timestamp: timestamp, capacity: capacity, labelCapacity: labelCapacity)
    }

    /// Requests the page; a `PrometheusScrapeReceiver` parses it into `writer` as it arrives.
    private func fetch(_ client: HTTPClient, writer: consuming PrometheusScrapeWriter, capacity: Int) async -> PrometheusScrapeFetch {
        let timestamp = writer.timestamp
        let receiver = PrometheusScrapeReceiver(writer: writer, sampleLimit: sampleLimit, bodySizeLimit: bodySizeLimit,
                                                capacity: capacity)
        var failure: Failure?
        do {
            var request = try HTTPClient.Request(url: url)
            request.headers.add(name: "Accept", value: Self.accept)
            request.headers.add(name: "Accept-Encoding", value: "gzip")
            request.headers.add(name: "User-Agent", value: "pipectl")
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: "\(Double(timeout.nanoseconds) / 1e9)")
            let task = client.execute(request: request, delegate: receiver, deadline: .now() + .nanoseconds(timeout.nanoseconds))
            try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch let error as Failure {
            failure = error
        } catch {
            failure = Failure(kind: "scrape", reason: Self.describe(error))
        }
        var fetched = receiver.take() ?? PrometheusScrapeFetch(writer: makeWriter(timestamp, 8, 64, nil))
        fetched.failure = failure
        return fetched
    }

    /// A short reason: `connection refused`, `timed out`, `TLS handshake failed: …`, the client's error.
    private static func describe(_ error: any Error) -> String {
        if let tls = TLSFailureReason.describe(error) { return "TLS " + tls }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            default: return "\(client)"
            }
        }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return "cannot connect: \(first.error)"
        }
        return "\(error)"
    }
}
