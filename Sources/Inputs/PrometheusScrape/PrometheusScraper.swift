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
    /// The last scrape's sample and label counts, to size the next batch.
    private var lastCount = 64
    private var lastLabelCount = 256

    init(target: PrometheusScrapeTarget, url: String? = nil, timeout: Duration, honorLabels: Bool, bodySizeLimit: Int,
         sampleLimit: Int, authorization: String?, metricRelabel: RelabelProgram? = nil) {
        self.authorization = authorization
        self.target = target
        self.url = url ?? target.url
        self.metricRelabel = metricRelabel
        self.timeout = timeout
        self.honorLabels = honorLabels
        self.bodySizeLimit = bodySizeLimit
        self.sampleLimit = sampleLimit
    }

    /// Scrapes once; never throws: a failure is `up 0` in the batch and `Report.failure`.
    mutating func scrape(_ client: HTTPClient) async -> (MetricBatch, Report) {
        let started = ContinuousClock.now
        var fetched = await fetchWithin(timeout, client, timestamp: WallClock.milliseconds())
        if fetched.failure != nil {
            fetched.writer.dropSamples()
            staleness.markAllStale(&fetched.writer)
        } else {
            staleness.update(&fetched.writer, page: fetched.page)
        }
        lastCount = max(fetched.scraped, 64)
        lastLabelCount = max(fetched.writer.batch.labels.count, 256)
        let seconds = Double((ContinuousClock.now - started).nanoseconds) / 1e9
        let ok = fetched.failure == nil
        fetched.writer.appendScrapeSeries("up", ok ? 1 : 0)
        fetched.writer.appendScrapeSeries("scrape_duration_seconds", seconds)
        fetched.writer.appendScrapeSeries("scrape_samples_scraped", Double(fetched.scraped))
        fetched.writer.appendScrapeSeries("scrape_samples_post_metric_relabeling", Double(ok ? fetched.writer.sampleCount : 0))
        let report = Report(failure: fetched.failure, bodyBytes: fetched.bytes, malformedLines: fetched.malformed,
                            firstMalformed: fetched.firstMalformed)
        return (fetched.writer.batch, report)
    }

    /// What a fetch got so far.
    private struct Fetched: Sendable {
        var writer: PrometheusScrapeWriter
        /// The page and its tracked series, for the next scrape's stale markers.
        var page = PrometheusScrapeStaleness.Page()
        var scraped = 0
        var bytes = 0
        var malformed = 0
        var firstMalformed: String?
        var failure: Failure?
    }

    /// Fetches in a child task raced against `timeout`: the client's deadline does not cover a body
    /// that stalls, and the timeout must (cancelling the request). The child leaves its result in
    /// a box rather than returning it, so no finished task still holds the batch when it is
    /// changed next (which would copy it).
    private func fetchWithin(_ timeout: Duration, _ client: HTTPClient, timestamp: Int64) async -> Fetched {
        let capacity = lastCount + 8, labelCapacity = lastLabelCount + 64
        let box = NIOLockedValueBox<Fetched?>(nil)
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                let fetched = await fetch(client, makeWriter(timestamp, capacity, labelCapacity), capacity: capacity)
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
        return Fetched(writer: makeWriter(timestamp, 8, 64), failure: Failure(kind: "scrape", reason: "timed out after \(timeout.formatted)"))
    }

    private func makeWriter(_ timestamp: Int64, _ capacity: Int, _ labelCapacity: Int) -> PrometheusScrapeWriter {
        PrometheusScrapeWriter(target: target, honorLabels: honorLabels, metricRelabel: metricRelabel, timestamp: timestamp,
                               capacity: capacity, labelCapacity: labelCapacity)
    }

    /// Requests the page and parses it into `fetched.writer`.
    private func fetch(_ client: HTTPClient, _ writer: consuming PrometheusScrapeWriter, capacity: Int) async -> Fetched {
        var fetched = Fetched(writer: writer)
        fetched.page.hashes.reserveCapacity(capacity)
        do {
            try await fetch(client, &fetched)
        } catch let error as Failure {
            fetched.failure = error
        } catch {
            fetched.failure = Failure(kind: "scrape", reason: Self.describe(error))
        }
        return fetched
    }

    private func fetch(_ client: HTTPClient, _ fetched: inout Fetched) async throws {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: Self.accept)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "pipectl")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: "\(Double(timeout.nanoseconds) / 1e9)")
        let response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        guard response.status == .ok else { throw Failure(kind: "scrape", reason: "HTTP \(response.status.code)") }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        fetched.page.format = contentType.hasPrefix("application/openmetrics-text") ? .openMetrics : .prometheus004
        var parser = PrometheusTextParser(format: fetched.page.format)
        func handle(_ event: PrometheusTextEvent) {
            switch event {
            case .sample(let sample):
                fetched.scraped += 1
                // As Prometheus, `sample_limit` counts the samples `metric_relabel` keeps.
                guard sampleLimit == 0 || fetched.writer.sampleCount <= sampleLimit else { return }
                // As Prometheus, a series is marked stale when gone if it was kept and had no timestamp.
                if fetched.writer.append(sample), sample.timestamp == nil { fetched.page.hashes.append(sample.seriesHash) }
            case .malformed(let line, let reason):
                fetched.malformed += 1
                if fetched.firstMalformed == nil { fetched.firstMalformed = "line \(line): \(reason)" }
            }
        }
        for try await chunk in response.body {
            fetched.bytes += chunk.readableBytes
            if bodySizeLimit > 0, fetched.bytes > bodySizeLimit {
                throw Failure(kind: "body_size_limit", reason: "body over body_size_limit (\(bodySizeLimit) bytes)")
            }
            chunk.withUnsafeReadableBytes { parser.feed($0, handle) }
            fetched.page.body.append(chunk)
            if sampleLimit > 0, fetched.writer.sampleCount > sampleLimit { break }
        }
        parser.finish(handle)
        if sampleLimit > 0, fetched.writer.sampleCount > sampleLimit {
            throw Failure(kind: "sample_limit", reason: "over sample_limit (\(sampleLimit)) samples")
        }
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
