import NIOCore
@testable import Outputs
import Pipeline
import XCTest

final class LogBatchRecordTests: XCTestCase {
    /// Events with every kind of key and value, an empty message and non-ASCII text.
    private func batch() -> LogBatch {
        var batch = LogBatch()
        for id in 0..<20 {
            let i = batch.append(timestamp: 1_795_975_200_000_000_000 + Int64(id) * 1_000_003, message: id == 3 ? "" : "m\(id) ünï\n")
            batch.setField(i, .known(.appname), .bytes(batch.store("app\(id % 4)")))
            batch.setField(i, .known(.facility), .int(Int64(id) - 10))
            batch.setField(i, FieldName("latency"), .double(Double(id) / 7))
            batch.setField(i, FieldName("ok"), .bool(id % 2 == 0))
            if id % 5 == 0 { batch.setField(i, FieldName("status"), .bytes(batch.store(""))) }
        }
        return batch
    }

    private func lines(_ batch: LogBatch, _ range: Range<Int>? = nil) -> [String] {
        let json = EventEncoder(encoding: .json)
        return (range ?? 0..<batch.count).map { i in
            var buffer = ByteBuffer()
            json.encodeLog(batch, i, into: &buffer)
            return String(buffer: buffer)
        }
    }

    func testEveryEventAndFieldComesBackAsStored() throws {
        let original = batch()
        let record = LogBatchRecord.make(original)
        XCTAssertEqual(record.events, 20)
        let read = try XCTUnwrap(LogBatchRecord.read(record))
        XCTAssertEqual(lines(read), lines(original))
        XCTAssertEqual(read.field(3, .facility), .int(-7), "negative ints")
        XCTAssertEqual(read.field(7, FieldName("latency")), .double(1), "doubles as doubles")

        let part = try XCTUnwrap(LogBatchRecord.read(LogBatchRecord.make(original, 5..<9)))
        XCTAssertEqual(lines(part), lines(original, 5..<9), "a range of the batch")
    }

    func testDamagedRecordsAreRefused() {
        let record = LogBatchRecord.make(batch())
        for cut in 0..<record.payload.count {
            var damaged = record
            damaged.payload.removeLast(record.payload.count - cut)
            XCTAssertNil(LogBatchRecord.read(damaged), "cut at \(cut) of \(record.payload.count)")
        }
        var longer = record
        longer.payload.append(0)
        XCTAssertNil(LogBatchRecord.read(longer), "bytes after the last event")
        var fewer = record
        fewer.events = 19
        XCTAssertNil(LogBatchRecord.read(fewer), "more events than the record says")
        var otherVersion = record
        otherVersion.metadata = [2]
        XCTAssertNil(LogBatchRecord.read(otherVersion))

        var oneField = LogBatch()
        let i = oneField.append(timestamp: 1, message: "x")
        oneField.setField(i, .known(.appname), .bool(true))
        let good = LogBatchRecord.make(oneField)
        XCTAssertNotNil(LogBatchRecord.read(good))
        var unknownKnown = good
        unknownKnown.payload[8 + 2 + 1 + 1] = 200  // the known field's id
        XCTAssertNil(LogBatchRecord.read(unknownKnown), "no such known field")
        var badBool = good
        badBool.payload[badBool.payload.count - 1] = 2
        XCTAssertNil(LogBatchRecord.read(badBool), "a bool is 0 or 1")
    }
}
