import Foundation
import Pipeline
import PipelineTesting
@testable import Outputs
import XCTest

final class DeliveryDeadLetterTests: XCTestCase {
    private let failure = DeliveryFailure(kind: "http_4xx", description: "test(t): 400 from http://r/w: bad", status: 400,
                                          response: .init(string: "bad"))

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func size(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    func testRotatesAtMaxSizeKeepingOneOldFile() throws {
        let directory = try temporaryDirectory(self).path
        // Each record is about 200 bytes: five fit in a file.
        let deadLetter = DeliveryDeadLetter(dataDirectory: directory, output: "t", maxSize: 1000)
        for n in 1...20 { try deadLetter.write(TestPayload([n, n]), failure: failure, endpoint: "http://r/w") }
        let path = "\(directory)/dead_letter/t.ndjson"
        XCTAssertLessThanOrEqual(try size(path), 1000)
        XCTAssertLessThanOrEqual(try size(path + ".1"), 1000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".2"), "one old file only")
        XCTAssertGreaterThan(deadLetter.rotations.load(ordering: .relaxed), 1)
        XCTAssertEqual(try lines(path).last, "{\"id\":20}", "the newest record is kept")
        XCTAssertTrue(try lines(path)[0].contains("\"dead_letter\""), "a rotated file starts with a whole record")
        XCTAssertEqual(deadLetter.writtenEvents.load(ordering: .relaxed), 40)
        let written = try size(path) + size(path + ".1")
        XCTAssertLessThan(written, deadLetter.writtenBytes.load(ordering: .relaxed), "older files were replaced")
        XCTAssertEqual(deadLetter.lostEvents.load(ordering: .relaxed), 0)
    }

    func testARecordLargerThanMaxSizeIsCountedAsLost() throws {
        let directory = try temporaryDirectory(self).path
        let deadLetter = DeliveryDeadLetter(dataDirectory: directory, output: "t", maxSize: 1024)
        XCTAssertThrowsError(try deadLetter.write(TestPayload(Array(0..<200)), failure: failure, endpoint: "http://r/w")) { error in
            XCTAssertTrue("\(error)".contains("is larger than dead_letter.max_size (1024 bytes)"), "\(error)")
        }
        XCTAssertEqual(deadLetter.lostEvents.load(ordering: .relaxed), 200)
        XCTAssertEqual(deadLetter.writtenEvents.load(ordering: .relaxed), 0)
    }

    func testAnUnwritableFileCountsTheEventsAsLost() throws {
        let directory = try temporaryDirectory(self).path
        try Data().write(to: URL(fileURLWithPath: "\(directory)/dead_letter"))  // a file where the folder should be
        let deadLetter = DeliveryDeadLetter(dataDirectory: directory, output: "t")
        XCTAssertEqual(deadLetter.maxSize, 100 * 1024 * 1024, "the default cap")
        XCTAssertThrowsError(try deadLetter.write(TestPayload([1, 2, 3]), failure: failure, endpoint: "http://r/w"))
        XCTAssertEqual(deadLetter.lostEvents.load(ordering: .relaxed), 3)
    }

    /// Through the driver: a failed dead-letter write is an error of its own kind, and the log says the events are lost.
    func testTheDriverCountsAFailedDeadLetterWrite() async throws {
        let directory = try temporaryDirectory(self).path
        try Data().write(to: URL(fileURLWithPath: "\(directory)/dead_letter"))
        let transport = ScriptedTransport()
        transport.script([.answer(400, "bad")])
        let metrics = ComponentMetrics(id: "t")
        let logs = LogCapture()
        let driver = DeliveryDriver(name: "test(t)", wire: TestProtocol(endpoint: transport.endpoint), transport: transport,
                                    policy: .init(), deadLetter: DeliveryDeadLetter(dataDirectory: directory, output: "t"),
                                    metrics: metrics, log: RateLimitedLogger(logger: logs.logger(), burst: 10), clock: ManualClock())
        await driver.deliver(TestPayload([1, 2]))
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["dead_letter=1", "http_4xx=1"])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=2"])
        XCTAssertTrue(logs.messages.last?.hasPrefix("test(t): 400 from http://receiver.test/write: bad; 2 events lost: ") ?? false,
                      "\(logs.messages)")
    }
}
