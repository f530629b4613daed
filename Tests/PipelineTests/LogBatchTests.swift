import Pipeline
import PipelineTesting
import XCTest

final class LogBatchTests: XCTestCase {
    private func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var copy = s
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    func testAppendStoresMessagesAndTimestamps() {
        var batch = LogBatch(capacity: 2)
        XCTAssertTrue(batch.isEmpty)
        XCTAssertEqual(batch.append(timestamp: 10, message: "first"), 0)
        XCTAssertEqual(withBytes("second") { batch.append(timestamp: 20, message: $0) }, 1)
        let span = batch.store("third")
        XCTAssertEqual(batch.append(timestamp: 30, messageSpan: span), 2)
        XCTAssertEqual(batch.count, 3)
        XCTAssertEqual((0..<3).map { batch.message($0) }, ["first", "second", "third"])
        XCTAssertEqual(batch.records.map(\.timestamp), [10, 20, 30])
        XCTAssertEqual(batch.byteCount, "firstsecondthird".utf8.count)
        XCTAssertEqual(batch.withMessage(1) { $0.count }, 6)
        batch.setTimestamp(0, 11)
        batch.setMessage(0, batch.store("changed"))
        XCTAssertEqual(batch.records[0].timestamp, 11)
        XCTAssertEqual(batch.message(0), "changed")
    }

    func testSetFieldReplacesAnExistingField() {
        var batch = LogBatch()
        let i = batch.append(timestamp: 0, message: "m")
        batch.setField(i, .known(.severity), .int(3))
        batch.setField(i, .known(.severity), .int(5))
        XCTAssertEqual(batch.field(i, .severity), .int(5))
        batch.setField(i, FieldName("user"), .bytes(batch.store("ann")))
        batch.setField(i, FieldName("user"), .bytes(batch.store("bob")))
        var fields: [String] = []
        batch.forEachField(i) { key, value in fields.append("\(batch.name(of: key))=\(batch.literal(value))") }
        XCTAssertEqual(fields, ["severity=5", "user=bob"], "replacing keeps one field per key, in place")
    }

    func testAppendFieldDoesNotDeduplicate() {
        var batch = LogBatch()
        let i = batch.append(timestamp: 0, message: "m")
        batch.appendField(i, .known(.app), .bool(true))
        batch.appendField(i, .known(.app), .bool(false))
        var count = 0
        batch.forEachField(i) { _, _ in count += 1 }
        XCTAssertEqual(count, 2)
        XCTAssertEqual(batch.field(i, .app), .bool(true), "lookups find the first")
    }

    func testKnownAndCustomKeys() {
        var batch = LogBatch()
        let i = batch.append(timestamp: 0, message: "m")
        withBytes("appname") { batch.setField(i, keyBytes: $0, .bytes(batch.store("web"))) }
        withBytes("structured_data") { batch.setField(i, keyBytes: $0, .int(1)) }
        withBytes("region") { batch.setField(i, keyBytes: $0, .bytes(batch.store("eu"))) }
        withBytes("appnam") { batch.setField(i, keyBytes: $0, .int(2)) }
        var keys: [FieldKey] = []
        batch.forEachField(i) { key, _ in keys.append(key) }
        XCTAssertEqual(keys.count, 4)
        XCTAssertEqual(keys[0], .known(.appname), "appname bytes map to the known field")
        XCTAssertEqual(keys[1], .known(.structuredData))
        guard case .custom = keys[2], case .custom = keys[3] else { return XCTFail("region and appnam are custom: \(keys)") }
        XCTAssertEqual(keys.map { batch.name(of: $0) }, ["appname", "structured_data", "region", "appnam"])
        XCTAssertEqual(batch.field(i, .appname).map { batch.literal($0) }, .string("web"))
        XCTAssertEqual(batch.field(i, FieldName("appname")).map { batch.literal($0) }, .string("web"))
        XCTAssertEqual(batch.field(i, FieldName("region")).map { batch.literal($0) }, .string("eu"))
        XCTAssertEqual(batch.field(i, FieldName("appnam")), .int(2))
        XCTAssertNil(batch.field(i, FieldName("missing")))
        XCTAssertNil(batch.field(i, .hostname))
    }

    func testFieldNames() {
        XCTAssertEqual(FieldName("appname").known, .appname)
        XCTAssertNil(FieldName("custom").known)
        XCTAssertTrue(FieldName("message").isMessage)
        XCTAssertTrue(FieldName("timestamp").isTimestamp)
        XCTAssertEqual(KnownField(name: "drain_token"), .drainToken)
        XCTAssertNil(KnownField(name: "drainToken"))
        for field in KnownField.allCases { XCTAssertEqual(KnownField(name: field.name), field) }
    }

    func testForEachFieldKeepsInsertionOrderPerEvent() {
        var batch = LogBatch()
        let a = batch.append(timestamp: 0, message: "a")
        let b = batch.append(timestamp: 0, message: "b")
        // Interleave fields of two events: each event's list stays in its own order.
        batch.setField(a, FieldName("one"), .int(1))
        batch.setField(b, FieldName("x"), .int(10))
        batch.setField(a, FieldName("two"), .int(2))
        batch.setField(b, FieldName("y"), .int(20))
        batch.setField(a, .known(.hostname), .double(3.5))
        func names(_ i: Int) -> [String] {
            var out: [String] = []
            batch.forEachField(i) { key, value in out.append("\(batch.name(of: key)):\(batch.literal(value))") }
            return out
        }
        XCTAssertEqual(names(a), ["one:1", "two:2", "hostname:3.5"])
        XCTAssertEqual(names(b), ["x:10", "y:20"])
    }

    func testRetainKeepsOrderAndFields() {
        var batch = LogBatch()
        for n in 0..<6 {
            let i = batch.append(timestamp: Int64(n), message: "e\(n)")
            batch.setField(i, FieldName("n"), .int(Int64(n)))
        }
        batch.retain { $0 % 2 == 1 }
        XCTAssertEqual(batch.count, 3)
        XCTAssertEqual((0..<3).map { batch.message($0) }, ["e1", "e3", "e5"])
        XCTAssertEqual((0..<3).map { batch.field($0, FieldName("n")) }, [.int(1), .int(3), .int(5)])
        batch.retain { _ in false }
        XCTAssertTrue(batch.isEmpty)
    }

    func testRemoveAllClearsForReuse() {
        var batch = LogBatch()
        batch.append(timestamp: 1, message: "hello")
        batch.removeAll()
        XCTAssertTrue(batch.isEmpty)
        XCTAssertEqual(batch.byteCount, 0)
        XCTAssertTrue(batch.fields.isEmpty)
        batch.append(timestamp: 2, message: "again")
        XCTAssertEqual(batch.message(0), "again")
    }

    func testCopyOnWriteKeepsSharedBatchesApart() {
        var original = LogBatch()
        original.append(timestamp: 1, message: "shared")
        var copy = original
        copy.setField(0, .known(.app), .bool(true))
        copy.setMessage(0, copy.store("mine"))
        XCTAssertNil(original.field(0, .app))
        XCTAssertEqual(original.message(0), "shared")
        XCTAssertEqual(copy.message(0), "mine")
    }

    func testEventBatchSummaries() {
        let logs = TestBatches.logs(count: 3)
        XCTAssertEqual(logs.count, 3)
        XCTAssertEqual(logs.kind, .log)
        XCTAssertGreaterThan(logs.byteCount, 0)
        let metrics = TestBatches.metrics(count: 2)
        XCTAssertEqual(metrics.count, 2)
        XCTAssertEqual(metrics.kind, .metric)
        XCTAssertEqual(EventKinds.logsAndMetrics.description, "logs and metrics")
        XCTAssertEqual(EventKinds.any.description, "logs, metrics and spans")
        XCTAssertEqual(EventKinds([.metric, .span]).description, "metrics and spans")
        XCTAssertEqual(EventKinds(.metric).description, "metrics")
        XCTAssertEqual(EventKinds().description, "nothing")
    }
}
