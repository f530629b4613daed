import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// `file` with `acknowledgements: true` saves its position only past lines an output kept.
final class FileInputAcknowledgementTests: XCTestCase {
    private var dir: URL!
    private var logPath: String { dir.appendingPathComponent("app.log").path }
    private var dataDir: String { dir.appendingPathComponent("data").path }
    private var saved: FileCheckpoint? { FileCheckpoint.load(dataDir + "/file_positions/tail.json") }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try append(numberedLines("line", 0..<100), to: logPath)
    }

    private func start(acknowledgements: Bool, output: CapturingOutput) async throws -> RunningPipeline {
        try await RunningPipeline("""
            data_dir: \(dataDir)
            shutdown_timeout: 200ms
            inputs:
              tail: { type: file, path: \(logPath), poll_interval: 5ms, acknowledgements: \(acknowledgements) }
            outputs:
              out: { type: capture, inputs: [tail] }
            """) { $0.provide("out", .output(output)) }
    }

    func testLinesNoOutputTookAreReadAgainAfterARestart() async throws {
        let stuck = CapturingOutput(paused: true)
        let pipeline = try await start(acknowledgements: true, output: stuck)
        try await eventually("the lines were read") { pipeline.metrics("tail").sentEvents.load(ordering: .relaxed) == 100 }
        try await pipeline.stop()
        XCTAssertNil(saved, "nothing was acknowledged, so no position was saved")

        let out = CapturingOutput()
        let again = try await start(acknowledgements: true, output: out)
        try await eventually("all 100 lines again") { out.eventCount == 100 }
        let size = Int64(try FileManager.default.attributesOfItem(atPath: logPath)[.size] as! NSNumber)
        try await eventually("the position follows the acknowledged lines") { self.saved?.offset == size }
        try await again.stop()
    }

    /// The contrast: without acknowledgements the position moves as soon as lines are queued.
    func testWithoutAcknowledgementsQueuedLinesAreSkippedAfterARestart() async throws {
        let stuck = CapturingOutput(paused: true)
        let pipeline = try await start(acknowledgements: false, output: stuck)
        let size = Int64(try FileManager.default.attributesOfItem(atPath: logPath)[.size] as! NSNumber)
        try await eventually("position saved at the end") { self.saved?.offset == size }
        try await pipeline.stop()
    }
}
