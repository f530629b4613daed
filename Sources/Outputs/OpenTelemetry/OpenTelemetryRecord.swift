import Codecs
import NIOCore

/// How an opentelemetry request is kept in the disk buffer (`DiskBufferRecord`), and read back.
///
/// ```
/// payload   the body exactly as sent: the Export*ServiceRequest, gzip-compressed under
///           compression: gzip
/// metadata  01          format version
///           00|01|02    signal: logs, metrics, traces (`OTLPSignal.allCases` order)
///           00|01       compression of the payload: none, gzip
///           varint      lane: logs are sharded by resource and metrics by series, so records
///                       of one lane go through one lane again, in order
///           varint      uncompressed protobuf size (checked against `max_bytes` and on read)
/// events    the items: log records, data points or spans
/// ```
/// Item boundaries are not stored: `OpenTelemetryRequestShape` finds them from the protobuf's
/// own length prefixes, to check a record on read and, rarely, to split (413) or dead-letter
/// (4xx) a replayed request, so they can never disagree with the body.
enum OpenTelemetryRecord {
    static let version: UInt8 = 1

    /// The record of `payload`, sent on `lane`.
    static func make(_ payload: some OpenTelemetryPayload, lane: Int) -> DiskBufferRecord {
        var metadata: [UInt8] = [version, UInt8(OTLPSignal.allCases.firstIndex(of: payload.signal)!),
                                 payload.compression == .gzip ? 1 : 0]
        Varint.append(UInt64(lane), to: &metadata)
        Varint.append(UInt64(payload.size), to: &metadata)
        return DiskBufferRecord(events: payload.eventCount, payload: Array(buffer: payload.body), metadata: metadata)
    }

    /// The lane and the request of `record`, compressed as `compression` asks (a record stored
    /// under another `compression:` is converted); nil when the metadata is not this format or
    /// the body is not a request of the recorded signal, size and item count.
    static func read(_ record: DiskBufferRecord, compression: OpenTelemetryCompression)
        -> (lane: Int, payload: OpenTelemetryStoredPayload)? {
        let metadata = record.metadata
        var offset = 3
        guard metadata.count > offset, metadata[0] == version, Int(metadata[1]) < OTLPSignal.allCases.count, metadata[2] <= 1,
              let lane = Varint.read(metadata, at: &offset, end: metadata.count),
              let size = Varint.read(metadata, at: &offset, end: metadata.count),
              offset == metadata.count, lane <= UInt64(Int32.max), size <= UInt64(Int32.max) else { return nil }
        let signal = OTLPSignal.allCases[Int(metadata[1])]
        let stored: OpenTelemetryCompression = metadata[2] == 1 ? .gzip : .none
        let body = ByteBuffer(bytes: record.payload)
        guard let request = stored == .gzip ? Gzip.decompress(body, limit: Int(size)) : body,
              request.readableBytes == Int(size),
              (try? request.withUnsafeReadableBytes(OpenTelemetryRequestShape.of(signal).count)) == record.events else { return nil }
        var sent = body
        if stored != compression {
            // Stored under another `compression:` than this run's, whose `Content-Encoding` every request carries.
            sent = OpenTelemetryCompressor(compression).body { $0.buffer.writeImmutableBuffer(request) }.body
        }
        return (Int(lane), OpenTelemetryStoredPayload(signal: signal, compression: compression, body: sent, size: Int(size),
                                                      eventCount: record.events))
    }
}
