import Atomics
import Codecs
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Pipeline

/// Appends events the receiver refused to `data_dir/dead_letter/<output>.ndjson`, size-capped.
///
/// Each refused batch is one record: a header line, then its events as NDJSON (SPEC §4):
///
/// ```
/// {"timestamp":"2026-01-01T00:00:00.000000000Z","dead_letter":{"output":"vm","url":"http://…/api/v1/write","status":400,"reason":"…","response":"…","events":2}}
/// {"timestamp":"…","name":"up","labels":{"job":"node"},"kind":"gauge","value":1}
/// {"timestamp":"…","name":"up","labels":{"job":"db"},"kind":"gauge","value":0}
/// ```
/// The file and its folder are created on the first refusal; each record is written with
/// one `write(2)` in append mode, so concurrent lanes never interleave lines.
///
/// Rotation (`dead_letter.max_size`, default 100MiB): when a record would take the file
/// past `maxSize`, the file is renamed to `<output>.ndjson.1` (replacing the previous old
/// file) and a new one is started, so the two files together stay under 2 × `maxSize`
/// and the newest refusals are always kept. A record larger than `maxSize` on its own is
/// not written: its events are counted in `lostEvents`, like those of a failed write.
package final class DeliveryDeadLetter: Sendable {
    /// `dead_letter.max_size` when the file says nothing.
    package static let defaultMaxSize = 100 * 1024 * 1024

    /// The file written to.
    package let path: String
    /// The size past which the file is rotated.
    package let maxSize: Int
    /// Events written to the file.
    package let writtenEvents = ManagedAtomic<Int>(0)
    /// Bytes written to the file (headers included).
    package let writtenBytes = ManagedAtomic<Int>(0)
    /// Events lost because their record could not be written (I/O error, larger than `maxSize`).
    package let lostEvents = ManagedAtomic<Int>(0)
    /// Times the file was renamed to `.1`.
    package let rotations = ManagedAtomic<Int>(0)
    private let output: String
    private let lock = NIOLock()

    /// A writer for output `output` under `dataDirectory`, rotating at `maxSize` bytes.
    package init(dataDirectory: String, output: String, maxSize: Int = defaultMaxSize) {
        path = ((dataDirectory as NSString).appendingPathComponent("dead_letter") as NSString)
            .appendingPathComponent(output + ".ndjson")
        self.output = output
        self.maxSize = maxSize
    }

    /// Appends `payload`'s events under a header naming `failure`; throws (after counting
    /// the events as lost) when the record cannot be written.
    package func write(_ payload: some DeliveryPayload, failure: DeliveryFailure, endpoint: String) throws {
        let record = self.record(payload, failure: failure, endpoint: endpoint)
        do {
            guard record.readableBytes <= maxSize else {
                throw OutputError("a dead-letter record of \(record.readableBytes) bytes is larger than dead_letter.max_size (\(maxSize) bytes)")
            }
            try lock.withLock { try append(record) }
        } catch {
            lostEvents.wrappingIncrement(by: payload.eventCount, ordering: .relaxed)
            throw error
        }
        writtenEvents.wrappingIncrement(by: payload.eventCount, ordering: .relaxed)
        writtenBytes.wrappingIncrement(by: record.readableBytes, ordering: .relaxed)
    }

    private func record(_ payload: some DeliveryPayload, failure: DeliveryFailure, endpoint: String) -> ByteBuffer {
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
        JSONWriter.writeString(failure.response.boundedText(limit: ByteBuffer.deadLetterTextLimit), into: &buffer)
        buffer.writeStaticString(",\"events\":")
        buffer.writeString(String(payload.eventCount))
        buffer.writeStaticString("}}\n")
        payload.writeEvents(into: &buffer)
        return buffer
    }

    /// Appends `record`, rotating first when it would take the file past `maxSize`.
    private func append(_ record: ByteBuffer) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var fd = try open()
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure("stat") }
        if status.st_size > 0, Int(status.st_size) + record.readableBytes > maxSize {
            close(fd)
            fd = -1
            guard rename(path, path + ".1") == 0 else { throw failure("rename to \(path).1") }
            rotations.wrappingIncrement(ordering: .relaxed)
            fd = try open()
        }
        try FileDescriptorWriter(fd: fd, name: path).write(record)
    }

    private func open() throws -> Int32 {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open") }
        return fd
    }

    private func failure(_ operation: String) -> OutputError {
        OutputError("cannot \(operation) dead-letter file \(path): \(String(cString: strerror(errno)))")
    }
}
