/// The acknowledgement tokens a batch carries: empty (no allocation) for inputs without
/// `acknowledgements: true`.
///
/// The core moves them along: the emitter adds a hold per extra edge of a fan-out and
/// releases the holds of edges that drop; a transform's output batches inherit the tokens
/// of the batch it processed (released as delivered when it emitted nothing: filtered or
/// folded into an aggregate); an output releases them when the events are safe (see each
/// output) or lost.
public struct Acknowledgements: Sendable {
    /// The tokens.
    public private(set) var tokens: [AckToken] = []

    public init() {}

    /// True when no input waits on these events.
    public var isEmpty: Bool { tokens.isEmpty }

    /// Adds `token`.
    public mutating func add(_ token: AckToken) { tokens.append(token) }

    /// Adds every token of `other`.
    public mutating func add(_ other: Acknowledgements) { tokens.append(contentsOf: other.tokens) }

    /// Adds `extra` holds to every token.
    public func hold(_ extra: Int) { for t in tokens { t.hold(extra) } }

    /// Releases one hold of every token.
    public func release(_ status: AckStatus) { for t in tokens { t.release(status) } }
}

extension EventBatch {
    /// The acknowledgement tokens the batch carries.
    public var acknowledgements: Acknowledgements {
        switch self {
        case .logs(let b): b.acknowledgements
        case .metrics(let b): b.acknowledgements
        case .spans(let b): b.acknowledgements
        }
    }

    /// Removes and returns the batch's tokens (without copying the batch).
    public mutating func takeAcknowledgements() -> Acknowledgements {
        if var logs = takeLogs() {
            let acks = logs.acknowledgements
            logs.acknowledgements = Acknowledgements()
            self = .logs(logs)
            return acks
        }
        if var spans = takeSpans() {
            let acks = spans.acknowledgements
            spans.acknowledgements = Acknowledgements()
            self = .spans(spans)
            return acks
        }
        var metrics = takeMetrics()!
        let acks = metrics.acknowledgements
        metrics.acknowledgements = Acknowledgements()
        self = .metrics(metrics)
        return acks
    }

    /// Adds `acks` to the batch's tokens (without copying the batch).
    public mutating func attach(_ acks: Acknowledgements) {
        guard !acks.isEmpty else { return }
        if var logs = takeLogs() {
            logs.acknowledgements.add(acks)
            self = .logs(logs)
        } else if var spans = takeSpans() {
            spans.acknowledgements.add(acks)
            self = .spans(spans)
        } else {
            var metrics = takeMetrics()!
            metrics.acknowledgements.add(acks)
            self = .metrics(metrics)
        }
    }

    /// Releases the batch's tokens with `status`: what an output calls once the events are
    /// safe (`.delivered`) or lost (`.dropped`).
    public func acknowledge(_ status: AckStatus) {
        acknowledgements.release(status)
    }
}
