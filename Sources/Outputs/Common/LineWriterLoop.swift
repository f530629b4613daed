import Atomics
import NIOCore
import Pipeline

/// The loop `stdout` and `file` share: encode each batch as lines, write it, count it.
enum LineWriterLoop {
    static func run(_ context: OutputContext, encoder: EventEncoder, writer: FileDescriptorWriter) async throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 256 * 1024)
        let log = RateLimitedLogger(logger: context.logger)
        let writeErrors = context.metrics.errorCounter("write")
        while let batch = await context.inbox.next() {
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
            buffer.clear()
            encoder.encode(batch, into: &buffer)
            var attempt = 0
            while true {
                do {
                    try writer.write(buffer)
                    context.metrics.failing.store(false, ordering: .relaxed)
                    break
                } catch {
                    // A full disk or a closed pipe: keep the batch and retry with backoff
                    // rather than lose it; shutdown_timeout bounds this at exit.
                    writeErrors.wrappingIncrement(ordering: .relaxed)
                    context.metrics.failing.store(true, ordering: .relaxed)
                    log.error("\(error); retrying")
                    attempt += 1
                    do {
                        try await Task.sleep(for: .milliseconds(min(5_000, 100 << min(attempt, 6))))
                    } catch {
                        // shutdown_timeout: the batch held here is lost, and says so.
                        context.metrics.dropCounter("shutdown").wrappingIncrement(by: batch.count, ordering: .relaxed)
                        batch.acknowledge(.dropped)
                        throw error
                    }
                }
            }
            context.metrics.sentEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            // Written (to the page cache: the file output does not fsync).
            batch.acknowledge(.delivered)
        }
    }
}
