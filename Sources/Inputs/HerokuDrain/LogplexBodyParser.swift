import Codecs
import NIOCore
import Pipeline

/// Turns a logplex body (octet-counted RFC 5424 frames) into a batch of log events.
///
/// A frame that does not frame or does not parse is kept as an event with `malformed: true`
/// and its raw bytes as the message; the good frames around it are unaffected.
public struct LogplexBodyParser: Sendable {
    /// Request-level values every event of the body carries.
    public struct RequestFields: Sendable {
        public var drainToken: String?
        public var frameID: String?
        public var app: String?

        public init(drainToken: String? = nil, frameID: String? = nil, app: String? = nil) {
            self.drainToken = drainToken
            self.frameID = frameID
            self.app = app
        }
    }

    /// What one body produced.
    public struct Result: Sendable {
        public var batch: LogBatch
        public var frames: Int
        public var malformed: Int
        /// The first problem found, for the log line.
        public var firstProblem: String?
    }

    let maxFrameBytes: Int

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    /// Parses a whole body; `now` stamps frames with a nil timestamp and malformed ones.
    public func parse(_ body: ByteBuffer, fields: RequestFields, now: Int64) -> Result {
        var batch = LogBatch(capacity: 128, bytesPerEvent: 320)
        var frames = 0
        var malformed = 0
        var firstProblem: String?
        // Stored once per body; every event's fields point at the same bytes.
        let shared = SharedSpans(drainToken: fields.drainToken.map { batch.store($0) },
                                 frameID: fields.frameID.map { batch.store($0) }, app: fields.app.map { batch.store($0) })
        body.withUnsafeReadableBytes { bytes in
            var framer = OctetCountingFramer(maxFrameBytes: maxFrameBytes, counts: .checked)
            loop: while true {
                switch framer.next(bytes, isComplete: true) {
                case .frame(let range):
                    frames += 1
                    let frame = UnsafeRawBufferPointer(rebasing: bytes[range])
                    switch SyslogMessage.parse5424(frame) {
                    case .success(let message):
                        append(message, frame, shared, now, into: &batch)
                    case .failure(let error):
                        malformed += 1
                        firstProblem = firstProblem ?? "frame \(frames): \(error.description)"
                        appendMalformed(frame, shared, now, into: &batch)
                    }
                case .malformed(let range, let reason):
                    frames += 1
                    malformed += 1
                    firstProblem = firstProblem ?? "frame \(frames): \(reason)"
                    appendMalformed(UnsafeRawBufferPointer(rebasing: bytes[range]), shared, now, into: &batch)
                case .needMoreData, .end:
                    break loop
                }
            }
        }
        return Result(batch: batch, frames: frames, malformed: malformed, firstProblem: firstProblem)
    }

    /// The request-level fields, already in the batch arena.
    private struct SharedSpans {
        var drainToken: ByteSpan?
        var frameID: ByteSpan?
        var app: ByteSpan?
    }

    private func append(_ m: SyslogMessage, _ frame: UnsafeRawBufferPointer, _ shared: SharedSpans, _ now: Int64,
                        into batch: inout LogBatch) {
        appendShared(batch.appendSyslog(m, from: frame, now: now), shared, into: &batch)
    }

    private func appendMalformed(_ raw: UnsafeRawBufferPointer, _ shared: SharedSpans, _ now: Int64, into batch: inout LogBatch) {
        appendShared(batch.appendMalformedSyslog(raw, now: now), shared, into: &batch)
    }

    private func appendShared(_ i: Int, _ shared: SharedSpans, into batch: inout LogBatch) {
        if let span = shared.drainToken { batch.appendField(i, .known(.drainToken), .bytes(span)) }
        if let span = shared.frameID { batch.appendField(i, .known(.frameID), .bytes(span)) }
        if let span = shared.app { batch.appendField(i, .known(.app), .bytes(span)) }
    }
}
