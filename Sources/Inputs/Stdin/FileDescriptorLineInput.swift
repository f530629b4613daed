#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import Pipeline

/// Reads lines from a file descriptor (off the cooperative pool) until end of file or cancellation.
public struct FileDescriptorLineInput: InputStage {
    let fd: Int32
    let maxLineBytes: Int

    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    public func run(_ context: InputContext) async throws {
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        let truncated = context.metrics.errorCounter("truncated")
        let chunkSize = 128 * 1024
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        let fd = self.fd
        let buffer = UncheckedBox(chunk)
        while !Task.isCancelled {
            // errno is per thread: the pool thread hands it back with the result.
            let (n, error) = try await NIOThreadPool.singleton.runIfActive { () -> (Int, Int32) in
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, 200)
                if ready == 0 { return (-2, 0) }
                let r = read(fd, buffer.value.baseAddress, chunkSize)
                return r < 0 && errno == EINTR ? (-2, 0) : (r, r < 0 ? errno : 0)
            }
            if n == -2 { continue }
            var batch = LogBatch(capacity: 512)
            let now = WallClock.nanoseconds()
            if n < 0 {
                context.metrics.errorCounter("read").wrappingIncrement(ordering: .relaxed)
                context.logger.error("reading file descriptor \(fd) failed: \(String(cString: strerror(error))); the input ends")
            }
            if n <= 0 {
                let before = framer.truncatedLines
                framer.flush(timestamp: now, into: &batch)
                truncated.wrappingIncrement(by: framer.truncatedLines - before, ordering: .relaxed)
                await send(consume batch, bytes: 0, context)
                return
            }
            let before = framer.truncatedLines
            framer.frame(UnsafeRawBufferPointer(rebasing: chunk[0..<n]), timestamp: now, into: &batch)
            truncated.wrappingIncrement(by: framer.truncatedLines - before, ordering: .relaxed)
            await send(consume batch, bytes: n, context)
        }
    }

    private func send(_ batch: consuming LogBatch, bytes: Int, _ context: InputContext) async {
        context.metrics.receivedBytes.wrappingIncrement(by: bytes, ordering: .relaxed)
        guard !batch.isEmpty else { return }
        context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
        await context.emit(.logs(consume batch))
    }
}

/// Carries a pointer into a thread-pool closure; the caller keeps it alive across the await.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
