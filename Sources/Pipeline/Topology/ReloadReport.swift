import Codecs
import NIOCore

/// What a reload did (`POST /v1/reload` answers it as JSON; SIGHUP logs it).
public struct ReloadReport: Sendable {
    /// How the reload ended.
    public enum Outcome: String, Sendable {
        /// The new file was applied.
        case applied
        /// The new file declares the same pipeline: nothing was touched.
        case unchanged
        /// The new file was refused (invalid, or a change that needs a restart): the old
        /// pipeline runs on, untouched.
        case refused
        /// The new file was applied, but some new components failed to start; see `errors`.
        case failed
    }

    public var outcome: Outcome
    /// Components that did not exist before, built and started.
    public var added: [String] = []
    /// Components no longer declared: drained and stopped.
    public var removed: [String] = []
    /// Components whose options changed: the old stage drained and stopped, a new one started.
    public var changed: [String] = []
    /// Unchanged components whose `inputs:` (or whose upstreams' stages) changed: their edges
    /// were rebuilt; the stage, its state and its buffer kept running.
    public var rewired: [String] = []
    /// Components left exactly as they were.
    public var unchanged: [String] = []
    /// Why the file was refused, or what failed to start (`FILE:LINE:COL: message` for file errors).
    public var errors: [String] = []

    public init(outcome: Outcome, errors: [String] = []) {
        self.outcome = outcome
        self.errors = errors
    }

    /// True when the running pipeline is now the one the file declares.
    public var succeeded: Bool { outcome == .applied || outcome == .unchanged }

    /// `{"outcome":…,"added":[…],"removed":[…],"changed":[…],"rewired":[…],"unchanged":[…],"errors":[…]}`.
    public var json: ByteBuffer {
        var b = ByteBuffer()
        b.writeStaticString("{\"outcome\":"); JSONWriter.writeString(outcome.rawValue, into: &b)
        for (name, list) in [("added", added), ("removed", removed), ("changed", changed), ("rewired", rewired),
                             ("unchanged", unchanged), ("errors", errors)] {
            b.writeStaticString(","); JSONWriter.writeString(name, into: &b); b.writeStaticString(":[")
            for (i, item) in list.enumerated() {
                if i > 0 { b.writeStaticString(",") }
                JSONWriter.writeString(item, into: &b)
            }
            b.writeStaticString("]")
        }
        b.writeStaticString("}\n")
        return b
    }

    /// One line for the log: `reload applied: added a; changed b; removed c`.
    public var summary: String {
        var parts: [String] = []
        for (name, list) in [("added", added), ("changed", changed), ("removed", removed), ("rewired", rewired)] where !list.isEmpty {
            parts.append("\(name) \(list.joined(separator: ", "))")
        }
        if !errors.isEmpty { parts.append("\(errors.count) error(s)") }
        return "reload \(outcome.rawValue)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: "; "))
    }
}
