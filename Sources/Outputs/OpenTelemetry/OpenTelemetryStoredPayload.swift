import Codecs
import NIOCore

/// An opentelemetry request read back from the disk buffer (`OpenTelemetryRecord`): the body
/// as stored, sent as is to its signal's URL; never encoded again from events.
///
/// Its items are those of the request in wire order (`OpenTelemetryRequestShape`: log
/// records, data points, spans), as for the request it was made as. `subset` cuts the
/// protobuf at item fields (`OpenTelemetryRequestSubset`) and compresses the cut, so a 413
/// splits a replayed request; `writeEvents` decodes the items for the dead-letter file: spans
/// as `OTLPSpanLines`, log records and data points as `OpenTelemetryItemLines`.
struct OpenTelemetryStoredPayload: OpenTelemetryPayload {
    let signal: OTLPSignal
    let compression: OpenTelemetryCompression
    let body: ByteBuffer
    /// The uncompressed protobuf size.
    let size: Int
    let eventCount: Int

    /// The protobuf (`OpenTelemetryRecord.read` checked that it decompresses).
    private func request() -> ByteBuffer {
        switch compression {
        case .none:
            return body
        case .gzip:
            guard let request = Gzip.decompress(body, limit: size) else {
                preconditionFailure("BUG: a stored opentelemetry body that decompressed on read no longer does")
            }
            return request
        }
    }

    func subset(_ items: [Int]) -> OpenTelemetryStoredPayload {
        let request = request()
        var kept = 0
        let (body, size) = OpenTelemetryCompressor(compression).body { writer in
            kept = request.withUnsafeReadableBytes {
                OpenTelemetryRequestSubset.write($0, items: items, shape: .of(signal), into: &writer).items
            }
        }
        return OpenTelemetryStoredPayload(signal: signal, compression: compression, body: body, size: size, eventCount: kept)
    }

    /// The items as NDJSON lines, in wire order.
    func writeEvents(into buffer: inout ByteBuffer) {
        request().withUnsafeReadableBytes { request in
            switch signal {
            case .logs: OpenTelemetryItemLines.writeLogRecords(request, into: &buffer)
            case .metrics: OpenTelemetryItemLines.writeDataPoints(request, into: &buffer)
            case .traces: OTLPSpanLines.write(request, into: &buffer)
            }
        }
    }
}
