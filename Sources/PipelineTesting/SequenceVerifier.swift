import NIOConcurrencyHelpers
import Pipeline

/// Checks, batch by batch, that events of `SequenceInput`s arrive in per-source `seq` order
/// with nothing lost or duplicated, without keeping the events.
public final class SequenceVerifier: Sendable {
    private struct State {
        var next: [String: Int64] = [:]
        var total = 0
        var problems: [String] = []

        mutating func note(_ problem: String) {
            if problems.count < 20 { problems.append(problem) }
        }
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Events checked so far.
    public var total: Int { state.withLockedValue { $0.total } }
    /// The next `seq` expected from each source, i.e. how many arrived in order.
    public var counts: [String: Int64] { state.withLockedValue { $0.next } }
    /// Problems found (capped at 20), empty when everything arrived in order.
    public var problems: [String] { state.withLockedValue { $0.problems } }

    /// Checks one batch; non-log batches and events without `source`/`seq` are problems.
    public func check(_ batch: EventBatch) {
        state.withLockedValue { s in
            guard case .logs(let logs) = batch else {
                s.note("unexpected \(batch.kind) batch")
                return
            }
            // Spans repeat within a batch, so each distinct one is decoded once.
            var sourceSpan: ByteSpan?, source = "", expected: Int64 = 0
            var seqKey: ByteSpan?
            for i in 0..<logs.count {
                var eventSource: ByteSpan?, eventSeq: Int64?
                logs.forEachField(i) { key, value in
                    switch (key, value) {
                    case (.known(.source), .bytes(let span)):
                        eventSource = span
                    case (.custom(let span), .int(let v)):
                        if span != seqKey, logs.string(span) == SequenceInput.seqField.string { seqKey = span }
                        if span == seqKey { eventSeq = v }
                    default:
                        break
                    }
                }
                guard let span = eventSource, let seq = eventSeq else {
                    s.note("event without source or seq: \(logs.message(i))")
                    continue
                }
                if span != sourceSpan {
                    if sourceSpan != nil { s.next[source] = expected }
                    sourceSpan = span
                    source = logs.string(span)
                    expected = s.next[source, default: 0]
                }
                if seq != expected { s.note("\(source): expected seq \(expected), got \(seq)") }
                expected = seq + 1
                s.total += 1
            }
            if sourceSpan != nil { s.next[source] = expected }
        }
    }
}
