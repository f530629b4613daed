import Pipeline
import XCTest

final class MetricBatchTests: XCTestCase {
    func testAppendWithLabels() {
        var batch = MetricBatch(capacity: 4)
        XCTAssertTrue(batch.isEmpty)
        let a = batch.append(name: "http_requests_total", labels: [("method", "GET"), ("code", "200")], value: 5,
                             timestamp: 1000, kind: .counter)
        let b = batch.append(name: "temperature", value: 21.5, timestamp: 2000, kind: .gauge)
        XCTAssertEqual([a, b], [0, 1])
        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(batch.name(a), "http_requests_total")
        XCTAssertEqual(batch.labelPairs(a).map { "\($0.0)=\($0.1)" }, ["method=GET", "code=200"])
        XCTAssertEqual(batch.labelPairs(b).count, 0)
        XCTAssertEqual(batch.records[b].value, 21.5)
        XCTAssertEqual(batch.records[b].timestamp, 2000)
        XCTAssertEqual(batch.records[a].kind, .counter)
    }

    func testAppendWithSpansAndSetValue() {
        var batch = MetricBatch()
        let name = batch.store("up")
        let labels = [LabelRecord(name: batch.store("job"), value: batch.store("api"))]
        let i = batch.append(nameSpan: name, labels: labels, value: 1, timestamp: 0, kind: .gauge)
        XCTAssertEqual(batch.name(i), "up")
        XCTAssertEqual(batch.labelPairs(i).map(\.1), ["api"])
        batch.setValue(i, 0)
        XCTAssertEqual(batch.records[i].value, 0)
    }

    func testLabelsOfOneSampleDoNotLeakIntoTheNext() {
        var batch = MetricBatch()
        batch.append(name: "a", labels: [("x", "1")], value: 1, timestamp: 0, kind: .gauge)
        batch.append(name: "b", labels: [("y", "2"), ("z", "3")], value: 2, timestamp: 0, kind: .gauge)
        batch.append(name: "c", labels: [("x", "4")], value: 3, timestamp: 0, kind: .gauge)
        XCTAssertEqual(batch.labels(of: 1).count, 2)
        XCTAssertEqual(batch.labelPairs(2).map(\.1), ["4"])
        XCTAssertEqual(batch.labelPairs(1).map(\.0), ["y", "z"])
    }

    func testRetainAndRemoveAll() {
        var batch = MetricBatch()
        for n in 0..<5 { batch.append(name: "m\(n)", labels: [("n", "\(n)")], value: Double(n), timestamp: 0, kind: .gauge) }
        batch.retain { $0 >= 3 }
        XCTAssertEqual((0..<batch.count).map { batch.name($0) }, ["m3", "m4"])
        XCTAssertEqual(batch.labelPairs(1).map(\.1), ["4"], "retained samples keep their labels")
        batch.removeAll()
        XCTAssertTrue(batch.isEmpty)
        XCTAssertEqual(batch.byteCount, 0)
        XCTAssertTrue(batch.labels.isEmpty)
    }

    func testMetricKindNames() {
        XCTAssertEqual(MetricKind.allCases.map(\.name), ["counter", "gauge", "summary", "histogram", "untyped"])
    }
}
