import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The output against a real Prometheus with its remote-write receiver enabled.
final class RemoteWritePrometheusTests: XCTestCase {
    func testEverySeriesLabelSetValueAndTimestampArrives() async throws {
        let prometheus = try await ServerProcess.start(self, name: "Prometheus", executable: "/usr/bin/prometheus",
                                                       readyPath: "/-/ready") { port, directory in
            try "scrape_configs: []\n".write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
            return ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver"]
        }
        let now = WallClock.milliseconds()
        let fixture = RemoteWriteFixture(t0: now - 600_000)
        let run = try await runRemoteWrite(self, url: "http://127.0.0.1:\(prometheus.port)/api/v1/write",
                                           options: "batch: { max_events: 100 }", batches: fixture.batches)
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), fixture.sampleCount)
        XCTAssertEqual(run.metrics.errorCounts.map(\.0), [], "Prometheus refuses unsorted labels and out-of-order samples")

        var stored: [String: [RemoteWriteFixture.Sample]] = [:]
        try await eventually(timeout: 30, "Prometheus returns every sample") {
            stored = try await Self.query(port: prometheus.port, at: now / 1000 + 60)
            return stored.values.reduce(0) { $0 + $1.count } >= fixture.sampleCount
        }
        XCTAssertEqual(stored.count, fixture.expected.count)
        for (key, samples) in fixture.expected {
            XCTAssertEqual(stored[key], samples, key)
        }
    }

    /// Raw samples of every `rwtest_*` series in the hour before `time` (Unix seconds).
    private static func query(port: Int, at time: Int64) async throws -> [String: [RemoteWriteFixture.Sample]] {
        let selector = "%7B__name__%3D~%22rwtest_.%2A%22%7D%5B1h%5D"  // {__name__=~"rwtest_.*"}[1h]
        let response = try await httpGet(port: port, "/api/v1/query?query=\(selector)&time=\(time)")
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw PipectlError("query: \(response.status) \(response.body)")
        }
        var series: [String: [RemoteWriteFixture.Sample]] = [:]
        for entry in result {
            guard let metric = entry["metric"] as? [String: String], let values = entry["values"] as? [[Any]] else {
                throw PipectlError("unexpected query result \(entry)")
            }
            series[RemoteWriteFixture.key(metric)] = try values.map { pair in
                guard pair.count == 2, let seconds = pair[0] as? Double, let text = pair[1] as? String, let value = Double(text) else {
                    throw PipectlError("unexpected sample \(pair)")
                }
                return .init(timestamp: Int64((seconds * 1000).rounded()), value: value)
            }
        }
        return series
    }
}
