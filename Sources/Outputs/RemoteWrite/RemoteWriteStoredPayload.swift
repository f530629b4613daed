import Codecs
import NIOCore
import Pipeline

/// A remote-write request read back from the disk buffer: the compressed body as stored,
/// sent as is; never encoded again from samples.
///
/// Its items are its samples in request order (series after series). `subset` slices the
/// protobuf at series and sample fields (`RemoteWriteReader`) and compresses the slice, so a
/// 413 splits a replayed request; `writeEvents` decodes the samples for the dead-letter file.
struct RemoteWriteStoredPayload: DeliveryPayload {
    /// The snappy-compressed `WriteRequest`.
    let body: ByteBuffer
    /// The uncompressed protobuf size.
    let size: Int
    let eventCount: Int

    /// The protobuf, scanned; nil when the body is damaged (`RemoteWriteRecord.read` checked it).
    private func reader() -> RemoteWriteReader? {
        Snappy.uncompress(body).flatMap { RemoteWriteReader(Array(buffer: $0)) }
    }

    func subset(_ items: [Int]) -> RemoteWriteStoredPayload {
        guard let reader = reader() else {
            preconditionFailure("BUG: a stored remote-write body that decoded on read no longer does")
        }
        let protobuf = ByteBuffer(bytes: reader.subset(items))
        var body = ByteBufferAllocator().buffer(capacity: 0)
        Snappy.compress(protobuf, into: &body)
        return RemoteWriteStoredPayload(body: body, size: protobuf.readableBytes, eventCount: items.count)
    }

    /// The samples as NDJSON metric lines, in request order, of kind `gauge` (the wire has no kind).
    func writeEvents(into buffer: inout ByteBuffer) {
        guard let batch = reader()?.metrics() else { return }
        let json = EventEncoder(encoding: .json)
        for i in 0..<batch.count { json.encodeMetric(batch, i, into: &buffer) }
    }
}
