@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// One scraped sample, as strings.
struct ScrapedSample: Equatable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double
    var timestamp: Int64
    var kind: MetricKind

    var isStale: Bool { value.bitPattern == PrometheusScrapeStaleness.staleNaN.bitPattern }
    var description: String { "\(name)\(labels.sorted { $0.key < $1.key }) \(value) \(kind.name)" }
}

extension RunningPipeline {
    /// A pipeline whose `scrape` input (options `options`) feeds the capturing output `out`.
    static func scrape(_ options: String) async throws -> RunningPipeline {
        try await RunningPipeline("""
            inputs:
              scrape: { type: prometheus_scrape, \(options) }
            outputs:
              out: { type: capture, inputs: [scrape] }
            """, types: [PrometheusScrapeInputConfig.componentType])
    }

    /// Every batch captured at `out`, one array of samples per scrape.
    var scrapes: [[ScrapedSample]] {
        capture("out").batches.compactMap { batch -> [ScrapedSample]? in
            guard case .metrics(let m) = batch else { return nil }
            return (0..<m.count).map {
                ScrapedSample(name: m.name($0), labels: Dictionary(m.labelPairs($0), uniquingKeysWith: { $1 }),
                              value: m.records[$0].value, timestamp: m.records[$0].timestamp, kind: m.records[$0].kind)
            }
        }
    }

    /// The scrapes of the target whose `instance` is `instance`.
    func scrapes(of instance: String) -> [[ScrapedSample]] {
        scrapes.filter { $0.contains { $0.name == "up" && $0.labels["instance"] == instance } }
    }
}

extension Array where Element == ScrapedSample {
    /// The value of the sample named `name` (the first one).
    func value(_ name: String) -> Double? { first { $0.name == name }?.value }
}
