import NIOConcurrencyHelpers
import Pipeline

/// The read position downstream has acknowledged, for `file` with `acknowledgements: true`.
///
/// Each emitted batch gets a token and the position just after its last line. The position
/// to save is that of the last batch acknowledged together with every batch before it, so a
/// crash replays what no output kept instead of skipping it. A batch an output lost
/// (`.dropped`: a full `drop_newest` buffer, shutdown) stops the position there until the
/// next start, which reads it again: at least once.
final class FileAcknowledgedPosition: Sendable {
    private struct Pending {
        let sequence: Int
        let checkpoint: FileCheckpoint
        var status: AckStatus?
    }

    private struct State {
        var nextSequence = 0
        var pending: [Pending] = []
        var acknowledged: FileCheckpoint?
    }

    private let state = NIOLockedValueBox(State())

    /// A token for a batch whose last line ends at `checkpoint`.
    func token(endingAt checkpoint: FileCheckpoint) -> AckToken {
        let sequence = state.withLockedValue { state -> Int in
            state.nextSequence += 1
            state.pending.append(Pending(sequence: state.nextSequence, checkpoint: checkpoint))
            return state.nextSequence
        }
        return AckToken { [state] status in
            state.withLockedValue { state in
                guard let i = state.pending.firstIndex(where: { $0.sequence == sequence }) else { return }
                state.pending[i].status = status
                while let first = state.pending.first, first.status == .delivered {
                    state.acknowledged = first.checkpoint
                    state.pending.removeFirst()
                }
            }
        }
    }

    /// The position to save: `current` when nothing emitted is still unacknowledged, else the
    /// end of the acknowledged prefix (nil: nothing acknowledged yet, keep what is saved).
    func checkpoint(current: FileCheckpoint) -> FileCheckpoint? {
        state.withLockedValue { $0.pending.isEmpty ? current : $0.acknowledged }
    }
}
