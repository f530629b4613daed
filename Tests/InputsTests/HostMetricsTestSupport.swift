import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// One emitted sample, as strings, for assertions.
struct HostSample: Hashable {
    let name: String
    let labels: [String: String]
    let value: Double
    let kind: MetricKind
}

/// A procfs and sysfs tree of fixture files in a temporary folder.
struct HostFixture {
    let root: URL
    var proc: String { root.appendingPathComponent("proc").path }
    var sys: String { root.appendingPathComponent("sys").path }

    init(_ test: XCTestCase) throws {
        root = try temporaryDirectory(test)
    }

    /// Writes `text` to `relative` below the fixture root, creating folders.
    func write(_ relative: String, _ text: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The config of `yaml` options (`collectors`, excludes) with the fixture's roots.
    func config(_ options: String = "") throws -> HostMetricsInputConfig {
        try hostMetricsConfig("procfs_root: \(proc)\nsysfs_root: \(sys)\n" + options)
    }
}

/// Loads `host_metrics` options given as YAML lines; fails with the loader's errors.
func hostMetricsConfig(_ options: String) throws -> HostMetricsInputConfig {
    let indented = options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    let registry = ComponentRegistry(TestComponents().registry.types + [HostMetricsInputConfig.componentType])
    let outcome = ConfigLoader.load(text: """
        inputs:
          host:
            type: host_metrics
        \(indented)
        outputs:
          out: { type: metrics_sink, inputs: [host] }
        """, file: "h.yaml", registry: registry)
    guard let config = outcome.config else {
        throw PipectlError(outcome.errors.map(\.description).joined(separator: "\n"))
    }
    return try XCTUnwrap(config.component("host")?.config as? HostMetricsInputConfig)
}

/// A scraper built from `config`, as the input builds it.
func hostScraper(_ config: HostMetricsInputConfig) -> HostMetricsScraper {
    HostMetricsScraper(paths: config.paths, collectors: config.makeCollectors())
}

extension HostMetricsScraper {
    /// One scrape as samples, by default without the `node_scrape_collector_*` ones; failures throw.
    mutating func samples(timestamp: Int64 = 1_700_000_000_000, scrapeSeries: Bool = false) throws -> [HostSample] {
        let (batch, failures) = scrape(timestamp: timestamp)
        if let failure = failures.first { throw PipectlError("\(failure.collector): \(failure.error)") }
        return (0..<batch.count).compactMap { i in
            let name = batch.name(i)
            guard scrapeSeries || !name.hasPrefix("node_scrape_collector_") else { return nil }
            XCTAssertEqual(batch.records[i].timestamp, timestamp)
            return HostSample(name: name, labels: Dictionary(uniqueKeysWithValues: batch.labelPairs(i)),
                              value: batch.records[i].value, kind: batch.records[i].kind)
        }
    }
}

extension [HostSample] {
    /// The value of the sample called `name` with exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sample called `name` with exactly `labels`.
    func sample(_ name: String, _ labels: [String: String] = [:]) -> HostSample? {
        first { $0.name == name && $0.labels == labels }
    }

    /// Distinct values of label `label` among samples called `name`.
    func labelValues(_ name: String, _ label: String) -> Set<String> {
        Set(filter { $0.name == name }.compactMap { $0.labels[label] })
    }
}
