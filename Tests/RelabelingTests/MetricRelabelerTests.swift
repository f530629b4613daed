import Pipeline
@testable import Relabeling
import XCTest

/// The shared path: relabel one series of a batch, append the result to the same batch.
final class MetricRelabelerTests: XCTestCase {
    private func relabeler(_ rules: [RelabelRuleConfig]) throws -> MetricRelabeler {
        MetricRelabeler(program: try RelabelProgram(rules))
    }

    private func rule(_ action: RelabelRuleConfig.Action, sources: [String] = [], regex: String = RelabelRegex.matchAll,
                      target: String = "", replacement: String = "$1") -> RelabelRuleConfig {
        RelabelRuleConfig(sourceLabels: sources, regex: regex, targetLabel: target, replacement: replacement, action: action)
    }

    func testRowsOfTheBatchAreRelabeledIntoIt() throws {
        var relabeler = try relabeler([rule(.drop, sources: ["__name__"], regex: "go_.*"),
                                       rule(.replace, sources: ["b"], target: "__tmp"),
                                       rule(.replace, sources: ["__tmp"], target: "c")])
        var batch = MetricBatch()
        batch.append(name: "go_x", labels: [("b", "1")], value: 1, timestamp: 10, kind: .gauge)
        batch.append(name: "m", labels: [("b", "2"), ("a", "x")], value: 2, timestamp: 20, kind: .counter)
        relabeler.begin(&batch)
        var kept: [Int] = []
        for i in 0..<2 where relabeler.relabel(name: batch.records[i].name, labels: batch.labels(of: i), of: batch) {
            relabeler.appendResult(value: batch.records[i].value, timestamp: 99, kind: batch.records[i].kind, to: &batch)
            kept.append(i)
        }
        XCTAssertEqual(kept, [1])
        XCTAssertEqual(batch.count, 3)
        XCTAssertEqual(batch.name(2), "m")
        XCTAssertEqual(batch.labelPairs(2).map { "\($0.0)=\($0.1)" }, ["a=x", "b=2", "c=2"], "sorted, __tmp removed")
        XCTAssertEqual(batch.records[2].value, 2)
        XCTAssertEqual(batch.records[2].timestamp, 99)
        XCTAssertEqual(batch.records[2].kind, .counter)
    }

    func testLabelsHeldByTheCaller() throws {
        var relabeler = try relabeler([rule(.replace, sources: ["__name__"], regex: "x_(.*)", target: "__name__",
                                            replacement: "y_$1")])
        var batch = MetricBatch()
        relabeler.begin(&batch)
        let labels = [LabelRecord(name: batch.store("job"), value: batch.store("j"))]
        XCTAssertTrue(relabeler.append(name: batch.store("x_total"), labels: labels[...], value: 5, timestamp: 1, kind: .counter,
                                       to: &batch))
        XCTAssertEqual(batch.name(0), "y_total")
        XCTAssertEqual(batch.labelPairs(0).map { "\($0.0)=\($0.1)" }, ["job=j"])
    }
}
