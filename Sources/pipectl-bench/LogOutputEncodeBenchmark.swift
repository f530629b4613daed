import Inputs
import NIOCore
import Outputs
import Pipeline
import Transforms

/// Encode + compress throughput of the log outputs (issue 10): Heroku-style demo lines with
/// their logfmt fields, turned into request bodies exactly as each output builds them, with
/// nothing sent. Bytes are the bodies as sent (compressed); allocations are counted after a
/// warm-up, so they show the steady state per event.
enum LogOutputEncodeBenchmark {
    /// What an output's encoder does with one batch: the body bytes it produced.
    typealias Encode = (LogBatch) async -> Int

    /// Batches of realistic events, made once and encoded again and again.
    static func batches(count: Int = 64, size: Int = 512) -> [LogBatch] {
        let demo = DemoInput(rate: 0, count: 0, seed: 7)
        var logfmt = LogfmtTransform(field: FieldName("message"))
        var position = 0
        return (0..<count).map { _ in
            var batch = LogBatch(capacity: size)
            position = demo.fill(&batch, count: size, from: position)
            for i in 0..<batch.count { logfmt.parse(&batch, i) }
            return batch
        }
    }

    /// Encodes `events` events (rounded to whole batches) with `encode`, after a warm-up.
    static func run(_ name: String, events: Int, batches: [LogBatch], encode: Encode) async -> BenchmarkResult {
        for batch in batches { _ = await encode(batch) }
        let rounds = max(1, events / batches[0].count)
        var bytes = 0
        var result = await measure(name, events: rounds * batches[0].count) {
            for r in 0..<rounds { bytes += await encode(batches[r % batches.count]) }
        }
        result = BenchmarkResult(name: name, events: result.events, bytes: bytes, wallSeconds: result.wallSeconds,
                                 cpuSeconds: result.cpuSeconds, allocations: result.allocations, copies: result.copies)
        return result
    }

    /// Every log output's encoder over the same events, with each output's default batch limits.
    static func all(events: Int) async -> [BenchmarkResult] {
        let batches = batches()
        var results: [BenchmarkResult] = []
        let labels = [LokiLabel(name: "app", template: FieldTemplate.parse("{{ appname }}").template!),
                      LokiLabel(name: "dyno", template: FieldTemplate.parse("{{ procid }}").template!)]
        for (name, format) in [("encode loki (protobuf+snappy)", LokiFormat(labels: labels)),
                               ("encode loki (json+gzip)", LokiFormat(labels: labels, encoding: .json))] {
            var loki = LokiRequestEncoder(format: format)
            results.append(await run(name, events: events, batches: batches) { batch in
                await loki.encode(batch).reduce(0) { $0 + $1.readableBytes }
            })
        }
        for (name, gzip) in [("encode elasticsearch (ndjson+gzip)", true), ("encode elasticsearch (ndjson)", false)] {
            var bulk = ElasticsearchBulkBuilder(index: "heroku-%Y.%m.%d", gzip: gzip)
            results.append(await run(name, events: events, batches: batches) { batch in
                bulk.requests(batch).reduce(0) { $0 + $1.readableBytes }
            })
        }
        // One request per group and 512-event batch (the encoder flushes per batch).
        var cloudwatch = CloudWatchLogsBatchEncoder(groupName: "/heroku/{{ appname }}", streamName: "drain")!
        results.append(await run("encode cloudwatch_logs (json)", events: events, batches: batches) { batch in
            cloudwatch.encode(batch).reduce(0) { $0 + $1.body.readableBytes }
        })
        return results
    }
}
