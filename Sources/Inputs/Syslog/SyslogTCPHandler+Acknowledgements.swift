import NIOCore
import Pipeline

/// `acknowledgements: true`: a connection is read on only once every output reading its last
/// batch has the events in its buffer (SPEC §5), so while an output cannot take them the
/// kernel buffers fill and the sender's TCP window closes. One batch per connection is in
/// flight at a time.
///
/// Syslog has no answer to tell a sender about a loss, so when an output drops a batch (a full
/// `drop_newest` buffer, shutdown: the policy the operator chose for it) the events are
/// counted in `errors{kind="dropped_downstream"}`, logged, and reading resumes.
extension SyslogTCPHandler {
    /// The token of the batch being handed on; it completes on this connection's loop.
    func acknowledgementToken(_ context: ChannelHandlerContext) -> AckToken {
        batchNumber += 1
        let number = batchNumber, loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        return AckToken { status in
            // Outputs release tokens on their own threads (or on this loop, inside `tryEmit`):
            // always continue in a later turn of the connection's loop.
            loop.execute {
                let (handler, context) = bound.value
                handler.acknowledged(context, number: number, status)
            }
        }
    }

    private func acknowledged(_ context: ChannelHandlerContext, number: Int, _ status: AckStatus) {
        guard let batch = awaited, batch.number == number else { return }
        awaited = nil
        if status == .dropped {
            state.droppedDownstream.wrappingIncrement(by: batch.count, ordering: .relaxed)
            state.log.warning("an output lost \(batch.count) message(s) read from \(Self.peer(context)); reading on")
        }
        flush(context)
        resumeReading(context)
    }
}
