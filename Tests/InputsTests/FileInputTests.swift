import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class FileInputTests: XCTestCase {
    private var dir: URL!
    private var logPath: String { dir.appendingPathComponent("app.log").path }
    private var dataDir: String { dir.appendingPathComponent("data").path }
    private var checkpointPath: String { dataDir + "/file_positions/tail.json" }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    private func start(_ options: String = "") async throws -> RunningPipeline {
        try await RunningPipeline("""
            data_dir: \(dataDir)
            inputs:
              tail:
                type: file
                path: \(logPath)
                poll_interval: 5ms
            \(options.isEmpty ? "" : "    " + options)
            outputs:
              out: { type: capture, inputs: [tail] }
            """)
    }

    private func waitForMessages(_ pipeline: RunningPipeline, _ count: Int, timeout: Double = 10) async throws {
        let out = pipeline.capture()
        try await eventually(timeout: timeout, "\(count) messages (have \(out.eventCount))") { out.eventCount >= count }
    }

    private func savedCheckpoint() -> FileCheckpoint? { FileCheckpoint.load(checkpointPath) }

    /// Waits until the input has read the file to its end and saved that position: it has
    /// finished a poll cycle, so a duplicate it would emit has been emitted.
    private func waitUntilCaughtUp() async throws {
        let size = try fileSize(logPath)
        try await eventually("the input saved its position at the end of the file") { self.savedCheckpoint()?.offset == size }
    }

    private func fileSize(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1
    }

    func testReadsExistingLinesThenAppends() async throws {
        try append(numberedLines("line", 0..<100), to: logPath)
        let pipeline = try await start()
        try await waitForMessages(pipeline, 100)
        try append(numberedLines("line", 100..<150), to: logPath)
        try await waitForMessages(pipeline, 150)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, (0..<150).map { "line-\($0)" })
        let metrics = pipeline.metrics("tail")
        XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 150)
        XCTAssertEqual(Int64(metrics.receivedBytes.load(ordering: .relaxed)), try fileSize(logPath))
    }

    func testWaitsForTheFileToAppear() async throws {
        let pipeline = try await start()
        try await eventually("running before the file exists") { pipeline.topology.state == .running }
        XCTAssertFalse(FileManager.default.fileExists(atPath: logPath))
        try append("late\n", to: logPath)
        try await waitForMessages(pipeline, 1)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["late"])
    }

    func testPartialLineWaitsForItsNewline() async throws {
        try append("complete\nparti", to: logPath)
        let pipeline = try await start()
        try await waitForMessages(pipeline, 1)
        try await eventually { self.savedCheckpoint()?.offset == 9 }
        try append("al\n", to: logPath)
        try await waitForMessages(pipeline, 2)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["complete", "partial"])
    }

    func testRotationLosesNothingAndDuplicatesNothing() async throws {
        try append(numberedLines("a", 0..<50), to: logPath)
        let pipeline = try await start()
        try await waitForMessages(pipeline, 50)
        // Lines written to the old file just before it is renamed are still read.
        try append(numberedLines("a", 50..<60), to: logPath)
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        try append(numberedLines("b", 0..<40), to: logPath)
        try await waitForMessages(pipeline, 100)
        // A second rotation.
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".2")
        try append(numberedLines("c", 0..<10), to: logPath)
        try await waitForMessages(pipeline, 110)
        try await waitUntilCaughtUp()
        try await pipeline.stop()
        let expected = (0..<60).map { "a-\($0)" } + (0..<40).map { "b-\($0)" } + (0..<10).map { "c-\($0)" }
        XCTAssertEqual(pipeline.capture().messages, expected)
        let checkpoint = try XCTUnwrap(savedCheckpoint())
        var st = stat()
        XCTAssertEqual(stat(logPath, &st), 0)
        XCTAssertEqual(checkpoint.inode, UInt64(st.st_ino), "the checkpoint follows the new file")
        XCTAssertEqual(checkpoint.offset, Int64(st.st_size))
    }

    func testRepeatedRotationWhileWritingLosesNothing() async throws {
        let pipeline = try await start()
        let out = pipeline.capture()
        var expected: [String] = []
        for generation in 0..<8 {
            // The tailer has opened this generation's file once its first line arrived.
            try append("g\(generation)-first\n", to: logPath)
            expected.append("g\(generation)-first")
            try await waitForMessages(pipeline, expected.count)
            // More lines, written right before the rename, are read from the old file.
            for n in 0..<100 {
                try append("g\(generation)-\(n)\n", to: logPath)
                expected.append("g\(generation)-\(n)")
            }
            try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".\(generation)")
        }
        try append("final\n", to: logPath)
        expected.append("final")
        try await waitForMessages(pipeline, expected.count)
        try await waitUntilCaughtUp()
        try await pipeline.stop()
        XCTAssertEqual(out.messages, expected)
    }

    func testLastLineOfRotatedFileWithoutNewlineIsKept() async throws {
        try append("one\ntwo-without-newline", to: logPath)
        let pipeline = try await start()
        try await waitForMessages(pipeline, 1)
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        try append("three\n", to: logPath)
        try await waitForMessages(pipeline, 3)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["one", "two-without-newline", "three"])
        XCTAssertEqual(pipeline.metrics("tail").receivedEvents.load(ordering: .relaxed), 3, "the flushed line counts")
    }

    func testOverlongLastLineOfRotatedFileIsCountedAsTruncated() async throws {
        try append("one\n" + String(repeating: "y", count: 40), to: logPath)
        let pipeline = try await start("max_line_bytes: 16")
        try await waitForMessages(pipeline, 1)
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        try append("two\n", to: logPath)
        try await waitForMessages(pipeline, 3)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["one", String(repeating: "y", count: 16), "two"])
        XCTAssertEqual(pipeline.metrics("tail").errorCounter("truncated").load(ordering: .relaxed), 1)
        XCTAssertEqual(pipeline.metrics("tail").receivedEvents.load(ordering: .relaxed), 3)
    }

    func testTruncationRestartsAtZero() async throws {
        try append(numberedLines("before-truncation", 0..<20), to: logPath)
        let pipeline = try await start()
        try await waitForMessages(pipeline, 20)
        // Truncate in place (same inode) and write less than was there.
        let fd = open(logPath, O_WRONLY | O_TRUNC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        try append("after-0\nafter-1\n", to: logPath)
        try await waitForMessages(pipeline, 22)
        try await pipeline.stop()
        XCTAssertEqual(Array(pipeline.capture().messages.suffix(2)), ["after-0", "after-1"])
        XCTAssertEqual(pipeline.capture().eventCount, 22)
        XCTAssertEqual(savedCheckpoint()?.offset, 16)
    }

    func testRestartResumesFromCheckpoint() async throws {
        try append(numberedLines("line", 0..<30), to: logPath)
        let first = try await start()
        try await waitForMessages(first, 30)
        try await first.stop()
        XCTAssertEqual(first.capture().messages, (0..<30).map { "line-\($0)" })

        let checkpoint = try XCTUnwrap(savedCheckpoint(), "checkpoint in data_dir/file_positions/<id>.json")
        XCTAssertEqual(checkpoint.path, logPath)
        XCTAssertEqual(checkpoint.offset, try fileSize(logPath))
        var st = stat()
        XCTAssertEqual(stat(logPath, &st), 0)
        XCTAssertEqual(checkpoint.inode, UInt64(st.st_ino))
        XCTAssertEqual(checkpoint.device, UInt64(st.st_dev))
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpointPath + ".tmp"))

        // Lines written while pipectl is down are read after the restart; old ones are not.
        try append(numberedLines("line", 30..<45), to: logPath)
        let second = try await start()
        try await waitForMessages(second, 15)
        try await waitUntilCaughtUp()
        try await second.stop()
        XCTAssertEqual(second.capture().messages, (30..<45).map { "line-\($0)" })
    }

    func testRestartKeepsAPartialLine() async throws {
        try append("whole\nhal", to: logPath)
        let first = try await start()
        try await waitForMessages(first, 1)
        try await first.stop()
        XCTAssertEqual(savedCheckpoint()?.offset, 6, "the checkpoint stops before the unfinished line")
        try append("f\n", to: logPath)
        let second = try await start()
        try await waitForMessages(second, 1)
        try await second.stop()
        XCTAssertEqual(second.capture().messages, ["half"])
    }

    func testCheckpointOfAnotherFileIsIgnored() async throws {
        try append(numberedLines("old", 0..<5), to: logPath)
        let first = try await start()
        try await waitForMessages(first, 5)
        try await first.stop()
        // The file is replaced while pipectl is down: the checkpoint names the old inode.
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        try append(numberedLines("new", 0..<3), to: logPath)
        let second = try await start()
        try await waitForMessages(second, 3)
        try await second.stop()
        XCTAssertEqual(second.capture().messages, ["new-0", "new-1", "new-2"])
    }

    func testStartAtEndSkipsExistingContent() async throws {
        try append(numberedLines("old", 0..<10), to: logPath)
        let size = try fileSize(logPath)
        let pipeline = try await start("start_at: end")
        // The input saves its position once it reached the end of the file.
        try await eventually("checkpoint at end of file") { self.savedCheckpoint()?.offset == size }
        try append("new-0\nnew-1\n", to: logPath)
        try await waitForMessages(pipeline, 2)
        try await waitUntilCaughtUp()
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["new-0", "new-1"])
    }

    func testStartAtEndDoesNotApplyWhenAPositionIsSaved() async throws {
        try append("a\nb\n", to: logPath)
        let first = try await start()
        try await waitForMessages(first, 2)
        try await first.stop()
        try append("c\n", to: logPath)
        let second = try await start("start_at: end")
        try await waitForMessages(second, 1)
        try await second.stop()
        XCTAssertEqual(second.capture().messages, ["c"])
    }

    func testLongLinesAreCutAndCounted() async throws {
        try append("short\n" + String(repeating: "x", count: 100) + "\nnext\n", to: logPath)
        let pipeline = try await start("max_line_bytes: 16")
        try await waitForMessages(pipeline, 3)
        try await pipeline.stop()
        XCTAssertEqual(pipeline.capture().messages, ["short", String(repeating: "x", count: 16), "next"])
        XCTAssertEqual(pipeline.metrics("tail").errorCounter("truncated").load(ordering: .relaxed), 1)
    }

    func testConfigErrors() {
        let registry = ComponentRegistry(TestComponents().registry.types + [FileInputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              tail:
                type: file
                start_at: middle
                poll_interval: 0ms
                max_line_bytes: lots
            outputs:
              out: { type: capture, inputs: [tail] }
            """, file: "p.yaml", registry: registry)
        XCTAssertNil(outcome.config)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "p.yaml:3:5: inputs.tail: missing required option 'path'",
            "p.yaml:4:15: inputs.tail.start_at: expected one of beginning, end, got 'middle'",
            "p.yaml:5:20: inputs.tail.poll_interval: must be at least 1ms, got '0ms'",
            "p.yaml:6:21: inputs.tail.max_line_bytes: expected a size like \"1MiB\" or \"10MB\", got 'lots'",
        ])
    }
}

extension FileInputTests {
    /// Stopped in the middle of an over-long line, the checkpoint points at the line's start,
    /// so the restart reads the whole line (cut once) instead of a fragment of it.
    func testRestartInsideAnOverlongLine() async throws {
        try append("ok\n" + String(repeating: "x", count: 100), to: logPath)
        let first = try await start("max_line_bytes: 16")
        try await waitForMessages(first, 1)
        try await eventually { self.savedCheckpoint() != nil }
        try await first.stop()
        XCTAssertEqual(savedCheckpoint()?.offset, 3)
        try append("\nnext\n", to: logPath)
        let second = try await start("max_line_bytes: 16")
        try await waitForMessages(second, 2)
        try await second.stop()
        XCTAssertEqual(second.capture().messages, [String(repeating: "x", count: 16), "next"])
        XCTAssertEqual(second.metrics("tail").errorCounter("truncated").load(ordering: .relaxed), 1)
    }
}
