import AsyncHTTPClient
import Codecs
import NIOCore
import NIOHTTP1

/// What one scrape got: the batch being built, the page for stale tracking, counts, and the
/// failure if any.
struct PrometheusScrapeFetch: Sendable {
    var writer: PrometheusScrapeWriter
    /// The page and its tracked series, for the next scrape's stale markers.
    var page = PrometheusScrapeStaleness.Page()
    var scraped = 0
    /// Body bytes received (gunzipped).
    var bytes = 0
    var malformed = 0
    var firstMalformed: String?
    var failure: PrometheusScraper.Failure?
}

/// Receives one scrape's response on the event loop that reads it, parsing each part of the
/// body as it arrives: the page goes from the socket's buffers into the batch with no hop to a
/// task per part (with the async body stream, the wake-ups took a tenth of W3's CPU).
///
/// A failure (not 200, `body_size_limit`, `sample_limit`) fails the request through the
/// future it returns; `take` then hands back what was received. Used by one request at a time.
final class PrometheusScrapeReceiver: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    private var fetch: PrometheusScrapeFetch?
    private var parser: PrometheusTextParser?
    private let sampleLimit: Int
    private let bodySizeLimit: Int

    init(writer: consuming PrometheusScrapeWriter, sampleLimit: Int, bodySizeLimit: Int, capacity: Int) {
        var fetch = PrometheusScrapeFetch(writer: writer)
        fetch.page.hashes.reserveCapacity(capacity)
        self.fetch = fetch
        self.sampleLimit = sampleLimit
        self.bodySizeLimit = bodySizeLimit
    }

    /// What was received, once the request is over (its future completed); nil if taken already.
    func take() -> PrometheusScrapeFetch? { fetch.take() }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        guard head.status == .ok else {
            return task.eventLoop.makeFailedFuture(PrometheusScraper.Failure(kind: "scrape", reason: "HTTP \(head.status.code)"))
        }
        let contentType = head.headers.first(name: "Content-Type") ?? ""
        let format: PrometheusTextFormat = contentType.hasPrefix("application/openmetrics-text") ? .openMetrics : .prometheus004
        fetch?.page.format = format
        parser = PrometheusTextParser(format: format)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        // Worked on as locals (moved out and back): no access check on a property per sample.
        guard var fetch = fetch.take(), var parser = parser.take() else { return task.eventLoop.makeSucceededVoidFuture() }
        var failure: PrometheusScraper.Failure?
        fetch.bytes += buffer.readableBytes
        if bodySizeLimit > 0, fetch.bytes > bodySizeLimit {
            failure = PrometheusScraper.Failure(kind: "body_size_limit", reason: "body over body_size_limit (\(bodySizeLimit) bytes)")
        } else {
            buffer.withUnsafeReadableBytes { bytes in parser.feed(bytes) { handle($0, &fetch) } }
            fetch.page.body.append(buffer)
            failure = overSampleLimit(fetch)
        }
        self.fetch = fetch
        self.parser = parser
        return failure.map { task.eventLoop.makeFailedFuture($0) } ?? task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {}

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard var fetch = fetch.take() else { return }
        if var parser = parser.take() { parser.finish { handle($0, &fetch) } }
        self.fetch = fetch
        if let failure = overSampleLimit(fetch) { throw failure }
    }

    private func handle(_ event: PrometheusTextEvent, _ fetch: inout PrometheusScrapeFetch) {
        switch event {
        case .sample(let sample):
            fetch.scraped += 1
            // As Prometheus, `sample_limit` counts the samples `metric_relabel` keeps.
            guard sampleLimit == 0 || fetch.writer.sampleCount <= sampleLimit else { return }
            // As Prometheus, a series is marked stale when gone if it was kept and had no timestamp.
            if fetch.writer.append(sample), sample.timestamp == nil { fetch.page.hashes.append(sample.seriesHash) }
        case .malformed(let line, let reason):
            fetch.malformed += 1
            if fetch.firstMalformed == nil { fetch.firstMalformed = "line \(line): \(reason)" }
        }
    }

    private func overSampleLimit(_ fetch: PrometheusScrapeFetch) -> PrometheusScraper.Failure? {
        guard sampleLimit > 0, fetch.writer.sampleCount > sampleLimit else { return nil }
        return PrometheusScraper.Failure(kind: "sample_limit", reason: "over sample_limit (\(sampleLimit)) samples")
    }
}
