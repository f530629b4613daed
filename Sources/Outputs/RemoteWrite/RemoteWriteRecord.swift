import Codecs
import NIOCore

/// How a remote-write request is kept in the disk buffer (`DiskBufferRecord`), and read back.
///
/// ```
/// payload   the snappy-compressed WriteRequest, exactly the body that is sent
/// metadata  01          format version
///           varint      shard index: records of one shard go through one lane, in order
///           varint      uncompressed protobuf size (checked against `max_bytes` and on read)
/// events    the samples in the request
/// ```
/// Series and sample boundaries are not stored: `RemoteWriteReader` finds them from the
/// protobuf's own length prefixes when a replayed request must be split (413) or
/// dead-lettered (4xx), which is rare, and they can never disagree with the body.
enum RemoteWriteRecord {
    static let version: UInt8 = 1

    /// The record of `payload`, sent on lane `shard`.
    static func make(_ payload: RemoteWritePayload, shard: Int) -> DiskBufferRecord {
        var metadata: [UInt8] = [version]
        Varint.append(UInt64(shard), to: &metadata)
        Varint.append(UInt64(payload.size), to: &metadata)
        return DiskBufferRecord(events: payload.eventCount, payload: Array(buffer: payload.body), metadata: metadata)
    }

    /// The shard and the request of `record`; nil when the metadata is not this format or the
    /// body does not decompress to a `WriteRequest` of the recorded size and sample count.
    static func read(_ record: DiskBufferRecord) -> (shard: Int, payload: RemoteWriteStoredPayload)? {
        var offset = 1
        guard record.metadata.first == version,
              let shard = Varint.read(record.metadata, at: &offset, end: record.metadata.count),
              let size = Varint.read(record.metadata, at: &offset, end: record.metadata.count),
              offset == record.metadata.count, shard <= UInt64(Int32.max), size <= UInt64(Int32.max) else { return nil }
        let body = ByteBuffer(bytes: record.payload)
        guard let protobuf = Snappy.uncompress(body), protobuf.readableBytes == Int(size),
              RemoteWriteReader.sampleCount(Array(buffer: protobuf)) == record.events else { return nil }
        let payload = RemoteWriteStoredPayload(body: body, size: Int(size), eventCount: record.events)
        return (Int(shard), payload)
    }
}
