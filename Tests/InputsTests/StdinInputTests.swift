import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// The `stdin` input's reader, fed through a pipe instead of standard input.
final class StdinInputTests: XCTestCase {
    private func start(reading fd: Int32, maxLineBytes: Int = 1024) async throws -> RunningPipeline {
        try await RunningPipeline("""
            inputs:
              src: { type: static }
            outputs:
              out: { type: capture, inputs: [src] }
            """, setUp: { $0.provide("src", .input(FileDescriptorLineInput(fd: fd, maxLineBytes: maxLineBytes))) })
    }

    private func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }, bytes.count)
    }

    func testReadsLinesAndEndsAtEndOfFile() async throws {
        let pipe = Pipe()
        let readFD = pipe.fileHandleForReading.fileDescriptor, writeFD = pipe.fileHandleForWriting.fileDescriptor
        let pipeline = try await start(reading: readFD, maxLineBytes: 8)
        write(writeFD, "one\r\ntwo\n")
        try await eventually { pipeline.capture().eventCount == 2 }
        write(writeFD, "a-very-long-line\nlast-without-newline")
        try pipe.fileHandleForWriting.close()
        try await pipeline.finished()
        XCTAssertEqual(pipeline.capture().messages, ["one", "two", "a-very-l", "last-wit"])
        let metrics = pipeline.metrics("src")
        XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 4)
        XCTAssertEqual(metrics.receivedBytes.load(ordering: .relaxed), 46)
        XCTAssertEqual(metrics.errorCounter("truncated").load(ordering: .relaxed), 2)
    }

    func testAReadErrorIsCountedAndEndsTheInput() async throws {
        let directory = open(NSTemporaryDirectory(), O_RDONLY)  // read(2) on a directory fails: EISDIR
        defer { close(directory) }
        let pipeline = try await start(reading: directory)
        try await pipeline.finished()
        XCTAssertEqual(pipeline.metrics("src").errorCounter("read").load(ordering: .relaxed), 1)
        XCTAssertEqual(pipeline.capture().eventCount, 0)
    }

    func testShutdownStopsAnOpenInput() async throws {
        let pipe = Pipe()
        let pipeline = try await start(reading: pipe.fileHandleForReading.fileDescriptor)
        write(pipe.fileHandleForWriting.fileDescriptor, "x\n")
        try await eventually { pipeline.capture().eventCount == 1 }
        try await pipeline.stop()  // the writer never closes: shutdown alone ends the input
        XCTAssertTrue(pipeline.capture().isFinished)
    }
}
