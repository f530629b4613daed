import Pipeline
@testable import Transforms
import XCTest

/// The stage around the rules: what it keeps of each sample, label order, reuse across batches.
final class RelabelTransformTests: XCTestCase {
    private let rules = #"""
        - source_labels: [instance]
          regex: '([^:]+):\d+'
          target_label: host
        - source_labels: [__name__]
          regex: 'go_.*'
          action: drop
        """#

    func testValuesTimestampsAndKindsFollowTheirSeries() throws {
        var (stage, dropped) = try XCTUnwrap(makeRelabel(rules))
        var batch = MetricBatch()
        batch.append(name: "go_goroutines", value: 7, timestamp: 1, kind: .gauge)
        batch.append(name: "http_requests_total", labels: [("instance", "a:80")], value: 42, timestamp: 2, kind: .counter)
        batch.append(name: "rpc_seconds", labels: [("quantile", "0.5")], value: 0.25, timestamp: 3, kind: .summary)
        let out = transform(&stage, .metrics(batch))
        guard out.count == 1, case .metrics(let metrics) = out[0] else { return XCTFail("expected one metric batch, got \(out)") }
        XCTAssertEqual(renderSeries(out[0]), [#"http_requests_total{host="a",instance="a:80"}"#, #"rpc_seconds{quantile="0.5"}"#])
        XCTAssertEqual(metrics.records.map(\.value), [42, 0.25])
        XCTAssertEqual(metrics.records.map(\.timestamp), [2, 3])
        XCTAssertEqual(metrics.records.map(\.kind), [.counter, .summary])
        XCTAssertEqual(dropped.load(ordering: .relaxed), 1)
    }

    func testLabelsAreStoredSortedByName() throws {
        var (stage, _) = try XCTUnwrap(makeRelabel(rules))
        let out = transform(&stage, .metrics(metricBatch([#"m{zone="z",instance="b:1",Alpha="A"}"#])))
        guard case .metrics(let metrics) = out.first else { return XCTFail("no metric batch") }
        XCTAssertEqual(metrics.labelPairs(0).map(\.0), ["Alpha", "host", "instance", "zone"])
    }

    func testEveryBatchStartsAfresh() throws {
        var (stage, dropped) = try XCTUnwrap(makeRelabel(rules))
        for round in 0..<3 {
            let series = (0..<200).map { #"m{instance="h\#(round)-\#($0):9100"}"# } + ["go_gc_total"]
            let out = transform(&stage, .metrics(metricBatch(series))).flatMap(renderSeries)
            XCTAssertEqual(out, (0..<200).map { #"m{host="h\#(round)-\#($0)",instance="h\#(round)-\#($0):9100"}"# })
        }
        XCTAssertEqual(dropped.load(ordering: .relaxed), 3)
    }

    func testBatchMovesThroughWithoutACopy() throws {
        var (stage, _) = try XCTUnwrap(makeRelabel(rules))
        let batch = EventBatch.metrics(metricBatch([#"m{instance="a:1"}"#]))
        var output = TransformOutput()
        let before = BatchCopies.total
        stage.process(consume batch, into: &output)
        XCTAssertEqual(BatchCopies.total, before)
        XCTAssertEqual(output.batches.flatMap { renderSeries($0.batch) }, [#"m{host="a",instance="a:1"}"#])
    }

    func testAllDroppedEmitsNothing() throws {
        var (stage, dropped) = try XCTUnwrap(makeRelabel(rules))
        let out = transform(&stage, .metrics(metricBatch(["go_a", "go_b"])))
        XCTAssertEqual(out.count, 0)
        XCTAssertEqual(dropped.load(ordering: .relaxed), 2)
    }

    func testARepeatedLabelKeepsItsLastValue() throws {
        var (stage, _) = try XCTUnwrap(makeRelabel("- {source_labels: [a], target_label: copy}"))
        var batch = MetricBatch()
        batch.append(name: "m", labels: [("a", "1"), ("b", "x"), ("a", "2")], value: 1, timestamp: 1, kind: .gauge)
        XCTAssertEqual(transform(&stage, .metrics(batch)).flatMap(renderSeries), [#"m{a="2",b="x",copy="2"}"#])
    }

    func testAValueThatIsNotUTF8IsMatchedAsGoReadsIt() throws {
        var (stage, _) = try XCTUnwrap(makeRelabel("""
            - {source_labels: [v], regex: 'api.*', action: keep}
            - {source_labels: [v], regex: '(.*)', target_label: copy}
            """))
        var batch = MetricBatch()
        let name = batch.store("m"), v = batch.store("v")
        let value = [UInt8(ascii: "a"), UInt8(ascii: "p"), UInt8(ascii: "i"), 0xFF].withUnsafeBytes { batch.store($0) }
        batch.append(nameSpan: name, labels: [LabelRecord(name: v, value: value)], value: 1, timestamp: 1, kind: .gauge)
        XCTAssertEqual(transform(&stage, .metrics(batch)).flatMap(renderSeries), ["m{copy=\"api\u{FFFD}\",v=\"api\u{FFFD}\"}"])
    }
}
