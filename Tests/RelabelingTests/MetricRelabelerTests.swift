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

    /// Rows whose label names are the same spans (as a scrape stores them, once per batch) skip
    /// the order check after the first; what each row holds must still count.
    func testRowsSharingNameSpansAreReadEachForItsOwnValues() throws {
        var relabeler = try relabeler([rule(.replace, sources: ["a"], target: "c")])
        var batch = MetricBatch()
        let (tmp, a, b) = (batch.store("__tmp"), batch.store("a"), batch.store("b"))
        let name = batch.store("m")
        func row(_ labels: [(ByteSpan, String)]) {
            batch.append(nameSpan: name, labels: labels.map { LabelRecord(name: $0.0, value: batch.store($0.1)) },
                         value: 0, timestamp: 0, kind: .gauge)
        }
        row([(a, "1"), (b, "2")])
        row([(a, "3"), (b, "")])
        row([(b, "4"), (a, "5")])
        row([(tmp, "x"), (a, "6")])
        row([(tmp, "y"), (a, "7")])
        row([(a, "8"), (a, "9")])
        relabeler.begin(&batch)
        let rows = batch.count
        for i in 0..<rows where relabeler.relabel(name: batch.records[i].name, labels: batch.labels(of: i), of: batch) {
            relabeler.replaceWithResult(i, in: &batch)
        }
        XCTAssertEqual((0..<rows).map { batch.labelPairs($0).map { "\($0.0)=\($0.1)" }.joined(separator: ",") },
                       ["a=1,b=2,c=1", "a=3,c=3", "a=5,b=4,c=5", "a=6,c=6", "a=7,c=7", "a=9,c=9"])
    }
}
