import Codecs
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Pipeline

/// Appends events the receiver refused to `data_dir/dead_letter/<output>.ndjson`.
///
/// Each refused batch is one header line, then its events as NDJSON (SPEC §4):
///
/// ```
/// {"timestamp":"2026-01-01T00:00:00.000000000Z","dead_letter":{"output":"vm","url":"http://…/api/v1/write","status":400,"reason":"…","response":"…","events":2}}
/// {"timestamp":"…","name":"up","labels":{"job":"node"},"kind":"gauge","value":1}
/// {"timestamp":"…","name":"up","labels":{"job":"db"},"kind":"gauge","value":0}
/// ```
/// The file and its folder are created on the first refusal; each batch is written with
/// one `write(2)` in append mode, so concurrent lanes never interleave lines.
package final class DeliveryDeadLetter: Sendable {
    /// The file written to.
    package let path: String
    private let output: String
    private let lock = NIOLock()

    /// A writer for output `output` under `dataDirectory`.
    package init(dataDirectory: String, output: String) {
        path = ((dataDirectory as NSString).appendingPathComponent("dead_letter") as NSString)
            .appendingPathComponent(output + ".ndjson")
        self.output = output
    }

    /// Appends `payload`'s events under a header naming `failure`; throws when the file cannot be written.
    package func write(_ payload: some DeliveryPayload, failure: DeliveryFailure, endpoint: String) throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 512 + payload.size)
        buffer.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: WallClock.nanoseconds(), into: &buffer)
        buffer.writeStaticString("\",\"dead_letter\":{\"output\":")
        JSONWriter.writeString(output, into: &buffer)
        buffer.writeStaticString(",\"url\":")
        JSONWriter.writeString(endpoint, into: &buffer)
        if let status = failure.status {
            buffer.writeStaticString(",\"status\":")
            buffer.writeString(String(status))
        }
        buffer.writeStaticString(",\"reason\":")
        JSONWriter.writeString(failure.description, into: &buffer)
        buffer.writeStaticString(",\"response\":")
        JSONWriter.writeString(failure.responseBody, into: &buffer)
        buffer.writeStaticString(",\"events\":")
        buffer.writeString(String(payload.eventCount))
        buffer.writeStaticString("}}\n")
        payload.writeEvents(into: &buffer)
        try lock.withLock { try append(buffer) }
    }

    private func append(_ buffer: ByteBuffer) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError("cannot open dead-letter file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try FileDescriptorWriter(fd: fd, name: path).write(buffer)
    }
}
