import Foundation
import Logging
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

extension RunningPipeline {
    /// A running pipeline with the real input types.
    convenience init(_ yaml: String, setUp: (TestComponents) -> Void = { _ in }) async throws {
        try await self.init(yaml, types: [
            DemoInputConfig.componentType,
            FileInputConfig.componentType,
            InternalMetricsInputConfig.componentType,
            StdinInputConfig.componentType,
        ], setUp: setUp)
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipectl-inputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Appends `text` to the file at `path`, creating it if needed.
func append(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { throw PipectlError("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw PipectlError("short write to \(path)") }
}

/// `count` numbered lines `prefix-<n>` starting at `first`, each ending in a newline.
func numberedLines(_ prefix: String, _ range: Range<Int>) -> String {
    range.map { "\(prefix)-\($0)\n" }.joined()
}

extension LogBatch {
    /// Every message, in order.
    var messages: [String] { (0..<count).map { message($0) } }

    /// The string value of a bytes field, if present.
    func stringField(_ index: Int, _ key: KnownField) -> String? {
        guard case .bytes(let span)? = field(index, key) else { return nil }
        return string(span)
    }
}
