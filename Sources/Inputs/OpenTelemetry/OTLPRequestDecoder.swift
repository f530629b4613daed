import Codecs
import NIOCore
import Pipeline

/// Turns one OTLP request body into the batch it carries: gunzipped (within
/// `max_body_bytes`), JSON transcoded to protobuf, then decoded by signal. Spans are only
/// checked and counted (`OTLPTraceScanner`); logs and metrics become events. One per
/// connection (its metrics decoder keeps scratch space; the delta sums are the input's).
struct OTLPRequestDecoder {
    let state: OTLPReceiverState
    private var metricsDecoder: OTLPMetricsDecoder

    init(state: OTLPReceiverState) {
        self.state = state
        metricsDecoder = OTLPMetricsDecoder(deltas: state.deltas)
    }

    /// What a request became: its batch, and the items refused inside it (partial success).
    struct Decoded {
        var batch: EventBatch
        var rejected = 0
        var rejection: String?
    }

    mutating func decode(_ body: ByteBuffer, signal: OTLPSignal, format: OTLPBodyFormat, now: Int64) -> Result<Decoded, OTLPRefusal> {
        var bytes = body
        if format.gzip {
            switch Gzip.inflate(body, limit: state.config.maxBodyBytes) {
            case .data(let inflated): bytes = inflated
            case .invalid: return .failure(OTLPRefusal(.badRequest, "body is not valid gzip"))
            case .overLimit: return .failure(OTLPRefusal(.payloadTooLarge, "body over max_body_bytes (\(state.config.maxBodyBytes)) once decompressed"))
            }
        }
        if format.json {
            do {
                bytes = try bytes.withUnsafeReadableBytes { json throws(OTLPJSONError) in try OTLPJSONTranscoder.transcode(json, signal: signal) }
            } catch {
                return .failure(OTLPRefusal(.badRequest, "undecodable \(signal.requestMessage) JSON: \(error)"))
            }
        }
        return bytes.withUnsafeReadableBytes { request in
            do {
                switch signal {
                case .traces:
                    let counted = try OTLPTraceScanner.scan(request)
                    // The batch shares the request's storage: spans are neither decoded nor copied.
                    return .success(Decoded(batch: .spans(SpanBatch(request: bytes, resources: counted.resources, spans: counted.spans))))
                case .logs: return .success(try logs(request, now: now))
                case .metrics: return .success(try metrics(request, now: now))
                }
            } catch {
                return .failure(OTLPRefusal(.badRequest, "undecodable \(signal.requestMessage): \(error)"))
            }
        }
    }

    private func logs(_ request: UnsafeRawBufferPointer, now: Int64) throws -> Decoded {
        var batch = LogBatch(capacity: 64, bytesPerEvent: max(64, request.count / 64))
        _ = try OTLPLogsDecoder().decode(request, receivedAt: now, into: &batch)
        return Decoded(batch: .logs(batch))
    }

    private mutating func metrics(_ request: UnsafeRawBufferPointer, now: Int64) throws -> Decoded {
        var batch = MetricBatch(capacity: 64)
        let result = try metricsDecoder.decode(request, receivedAt: now, into: &batch)
        return Decoded(batch: .metrics(batch), rejected: result.rejected, rejection: result.rejectionMessage)
    }
}
