import Foundation
@testable import Outputs
import PipelineTesting
import XCTest

final class DiskBufferRecordFormatTests: XCTestCase {
    private let record = DiskBufferRecord(events: 3, payload: Array("payload".utf8), metadata: [9, 8])

    func testHeaderLayout() throws {
        let bytes = try DiskBufferRecordFormat.encode(record, writtenAt: 0x0102_0304_0506_0708, limit: 1024)
        XCTAssertEqual(bytes.count, 32 + 7 + 2)
        XCTAssertEqual(Array(bytes[0..<4]), Array("PDBR".utf8))
        XCTAssertEqual(Array(bytes[4..<8]), [3, 0, 0, 0])
        XCTAssertEqual(Array(bytes[8..<16]), [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(Array(bytes[16..<24]), [7, 0, 0, 0, 2, 0, 0, 0])
        XCTAssertEqual(Array(bytes[32...]), Array("payload".utf8) + [9, 8])
        let header = try XCTUnwrap(bytes.withUnsafeBytes(DiskBufferRecordFormat.decodeHeader))
        XCTAssertEqual(header.events, 3)
        XCTAssertEqual(header.writtenAt, 0x0102_0304_0506_0708)
        XCTAssertEqual(header.recordBytes, bytes.count)
        XCTAssertTrue(DiskBufferRecordFormat.matches(header, payload: Array("payload".utf8), metadata: [9, 8]))
    }

    func testEveryDamagedByteIsDetected() throws {
        let bytes = try DiskBufferRecordFormat.encode(record, writtenAt: 42, limit: 1024)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x10
            guard let header = damaged.withUnsafeBytes(DiskBufferRecordFormat.decodeHeader) else {
                XCTAssertLessThan(i, 32, "a header byte")
                continue
            }
            XCTAssertGreaterThanOrEqual(i, 32, "header byte \(i) damaged but accepted")
            XCTAssertFalse(DiskBufferRecordFormat.matches(header, payload: Array(damaged[32..<39]), metadata: Array(damaged[39...])),
                           "body byte \(i) damaged but accepted")
        }
    }

    func testSizeLimitAndEventRange() throws {
        XCTAssertEqual(try DiskBufferRecordFormat.encode(record, writtenAt: 0, limit: 41).count, 41)
        XCTAssertThrowsError(try DiskBufferRecordFormat.encode(record, writtenAt: 0, limit: 40)) {
            XCTAssertEqual($0 as? DiskBufferError, .recordTooLarge(bytes: 41, limit: 40))
        }
        for events in [-1, Int(UInt32.max) + 1] {
            XCTAssertThrowsError(try DiskBufferRecordFormat.encode(DiskBufferRecord(events: events, payload: []), writtenAt: 0, limit: 64)) {
                guard case .invalidRecord = $0 as? DiskBufferError else { return XCTFail("\($0)") }
            }
        }
    }

    /// A header that straddles two 64KiB scan windows is still found.
    func testResynchronisationFindsAHeaderAcrossAWindowSeam() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("seam.seg").path
        let garbage = DiskBufferSegmentScanner.windowBytes - 10
        let bytes = [UInt8](repeating: 0x50, count: garbage) + (try DiskBufferRecordFormat.encode(record, writtenAt: 1, limit: 1024))
        let file = try DiskBufferFile(path: path, flags: O_RDWR | O_CREAT, meter: DiskBufferReadMeter())
        try file.write(bytes, at: 0)
        XCTAssertNil(try DiskBufferSegmentScanner.header(in: file, at: 0, end: bytes.count))
        XCTAssertEqual(try DiskBufferSegmentScanner.resynchronise(in: file, after: 0, end: bytes.count), garbage)
        XCTAssertEqual(try DiskBufferSegmentScanner.resynchronise(in: file, after: garbage, end: bytes.count), bytes.count)
        XCTAssertEqual(try DiskBufferSegmentScanner.resynchronise(in: file, after: 0, end: bytes.count - 1), bytes.count - 1,
                       "a record cut short is no resynchronisation point")
    }

    func testPositionRoundTripAndDamage() {
        let position = DiskBufferPosition(next: DiskBufferRecordID(segment: 7, offset: 4096),
                                          released: [DiskBufferRecordID(segment: 7, offset: 5000), DiskBufferRecordID(segment: 8, offset: 0)])
        let bytes = position.encode()
        XCTAssertEqual(bytes.count, 28 + 32)
        XCTAssertEqual(DiskBufferPosition.decode(bytes), position)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x01
            XCTAssertNil(DiskBufferPosition.decode(damaged), "byte \(i)")
        }
        XCTAssertNil(DiskBufferPosition.decode(Array(bytes.dropLast())))
        XCTAssertNil(DiskBufferPosition.decode([]))
    }

    func testSegmentNamesSortByNumber() throws {
        let directory = try temporaryDirectory(self)
        for name in ["00000000000000000010.seg", "00000000000000000002.seg", "position", "1.seg", "0000000000000000000x.seg"] {
            try Data().write(to: directory.appendingPathComponent(name))
        }
        XCTAssertEqual(try DiskBufferDirectory.segmentIDs(directory.path), [2, 10])
        XCTAssertEqual(DiskBufferDirectory.segmentPath("/d", 10), "/d/00000000000000000010.seg")
    }
}
