import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The OTLP/HTTP client of the OTLP benchmarks: one thread per connection, each with one
/// keep-alive connection to 127.0.0.1, POSTing pre-encoded bodies (`Content-Type:
/// application/x-protobuf`, uncompressed) one after another and reading each answer whole
/// before the next, as an SDK exporter does. Requests are built once; nothing is allocated
/// per request. An answer other than 200 (a 503 under backpressure or before the pipeline
/// runs) is counted and the request sent again after a millisecond, on a new connection
/// when the server closed the old one.
final class OTLPLoadGenerator: @unchecked Sendable {
    /// What one `run` did: requests sent again, and the CPU time of its threads.
    struct Report {
        var retries = 0
        var cpuSeconds = 0.0
    }

    let port: Int
    /// Each body as a whole HTTP request, head and body, ready to write.
    private let requests: [[UInt8]]

    /// Requests to `path` on 127.0.0.1:`port`, one per body; they are sent in turn.
    init(port: Int, path: String, bodies: [ByteBuffer]) {
        self.port = port
        requests = bodies.map { body in
            let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Length: \(body.readableBytes)\r\n\r\n"
            return Array(head.utf8) + Array(body.readableBytesView)
        }
    }

    /// Sends `count` requests over `connections` connections and returns once each was
    /// answered 200; request `j` of the run (counting across connections) carries body `j`.
    func run(requests count: Int, connections: Int) async -> Report {
        await withCheckedContinuation { continuation in
            let completion = Completion(threads: connections, continuation)
            for c in 0..<connections {
                let share = count / connections + (c < count % connections ? 1 : 0)
                Thread.detachNewThread { [self] in
                    completion.finished(post(share, connection: c, of: connections))
                }
            }
        }
    }

    /// One connection's loop: `share` requests answered 200.
    private func post(_ share: Int, connection c: Int, of connections: Int) -> Report {
        let cpuStart = threadCPUSeconds()
        var report = Report()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var fd = connect()
        var i = 0
        while i < share {
            let request = requests[(c + i * connections) % requests.count]
            let answer = request.withUnsafeBytes { writeAll(fd, $0) } ? readAnswer(fd, &buffer) : nil
            if answer?.status == 200 {
                i += 1
            } else {
                report.retries += 1
                precondition(report.retries <= 10_000, "BUG: the OTLP receiver keeps refusing (last status \(answer?.status ?? 0))")
                usleep(1_000)
            }
            if answer == nil || answer!.closing {
                close(fd)
                fd = connect()
            }
        }
        close(fd)
        report.cpuSeconds = threadCPUSeconds() - cpuStart
        return report
    }

    private func connect() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "BUG: socket: \(String(cString: strerror(errno)))")
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(connected == 0, "BUG: connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        return fd
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads one answer whole (head, then `Content-Length` bytes of body); nil when the
    /// connection ends first. One request is in flight, so nothing follows the answer.
    private func readAnswer(_ fd: Int32, _ buffer: inout [UInt8]) -> (status: Int, closing: Bool)? {
        buffer.withUnsafeMutableBytes { b -> (status: Int, closing: Bool)? in
            var filled = 0
            var head: HTTPAnswerHead?
            while head == nil {
                guard filled < b.count else { preconditionFailure("BUG: answer head over \(b.count) bytes") }
                let n = read(fd, b.baseAddress! + filled, b.count - filled)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return nil }
                filled += n
                head = HTTPAnswerHead(UnsafeRawBufferPointer(rebasing: b[0..<filled]))
            }
            var left = head!.bodyStart + head!.contentLength - filled
            while left > 0 {
                let n = read(fd, b.baseAddress!, min(left, b.count))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return nil }
                left -= n
            }
            return (head!.status, head!.closing)
        }
    }

    /// Collects the threads' reports and resumes the waiting task after the last one.
    private final class Completion: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        private var total = Report()
        private let continuation: CheckedContinuation<Report, Never>

        init(threads: Int, _ continuation: CheckedContinuation<Report, Never>) {
            remaining = threads
            self.continuation = continuation
        }

        func finished(_ report: Report) {
            let done = lock.withLock {
                total.retries += report.retries
                total.cpuSeconds += report.cpuSeconds
                remaining -= 1
                return remaining == 0 ? total : nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}

/// The parts of an HTTP/1.1 answer head the generator needs, read in place.
private struct HTTPAnswerHead {
    let status: Int
    let contentLength: Int
    let closing: Bool
    /// Where the body starts: after the blank line.
    let bodyStart: Int

    private static let contentLengthName = Array("content-length:".utf8)
    private static let connectionClose = Array("connection: close".utf8)

    /// Nil until `bytes` hold the whole head.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 16, let end = Self.blankLine(bytes) else { return nil }
        status = (Int(bytes[9]) - 48) * 100 + (Int(bytes[10]) - 48) * 10 + Int(bytes[11]) - 48
        var length = 0, closing = false
        var line = 0
        while line < end {
            var next = line
            while next < end, bytes[next] != 13 { next += 1 }
            if Self.startsLowercased(bytes, at: line, with: Self.contentLengthName) {
                for k in (line + Self.contentLengthName.count)..<next where bytes[k] >= 48 && bytes[k] <= 57 {
                    length = length * 10 + Int(bytes[k]) - 48
                }
            }
            if Self.startsLowercased(bytes, at: line, with: Self.connectionClose) { closing = true }
            line = next + 2
        }
        contentLength = length
        self.closing = closing
        bodyStart = end + 4
    }

    /// The offset of the first `\r\n\r\n`.
    private static func blankLine(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// True when the bytes at `offset`, ASCII lower-cased, start with `prefix` (lower case).
    private static func startsLowercased(_ bytes: UnsafeRawBufferPointer, at offset: Int, with prefix: [UInt8]) -> Bool {
        guard offset + prefix.count <= bytes.count else { return false }
        for k in prefix.indices {
            let byte = bytes[offset + k]
            if (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) != prefix[k] { return false }
        }
        return true
    }
}
