import Foundation
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 receiver on 127.0.0.1 for output benchmarks: one thread accepts, one
/// thread per connection reads each request whole (headers, then `Content-Length` bytes of
/// body) and answers `204 No Content` at once, keeping the connection alive.
///
/// `paused: true` listens but never accepts: the kernel completes connections into the
/// backlog and buffers what the client sends, so requests are sent and never answered.
final class BenchHTTPReceiver: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var requestCount = 0
    private var bodyBytes = 0
    private var serveCPU = 0.0

    init(paused: Bool = false) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw PipectlError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 128) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw PipectlError("bind/listen: \(String(cString: strerror(errno)))") }
        port = Int(UInt16(bigEndian: address.sin_port))
        if !paused { Thread.detachNewThread { [self] in acceptLoop() } }
    }

    /// Requests answered and their body bytes so far.
    var answered: (requests: Int, bytes: Int) { lock.withLock { (requestCount, bodyBytes) } }

    /// CPU time of the connection threads so far, each counted up to its last answer: the
    /// receiver's share of the process CPU, which a benchmark can take out of its figure.
    var serveCPUSeconds: Double { lock.withLock { serveCPU } }

    /// Stops accepting (connections already open end when the client closes them).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var filled = 0
        let answer = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)
        var cpuMark = threadCPUSeconds()
        while true {
            // Headers: read until the blank line.
            var headerEnd: Int?
            while headerEnd == nil {
                headerEnd = Self.find(buffer, filled)
                if headerEnd != nil { break }
                if filled == buffer.count { return }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
                if n <= 0 { return }
                filled += n
            }
            let headers = String(decoding: buffer[0..<headerEnd!], as: UTF8.self).lowercased()
            guard let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else {
                fatalError("BUG: bench receiver got a request without Content-Length: \(headers)")
            }
            // Body: consume what is buffered, then read the rest through the same buffer.
            var left = length
            let start = headerEnd! + 4
            let inBuffer = min(left, filled - start)
            left -= inBuffer
            let rest = filled - start - inBuffer
            buffer.withUnsafeMutableBytes { b in
                if rest > 0 { memmove(b.baseAddress!, b.baseAddress! + start + inBuffer, rest) }
            }
            filled = rest
            while left > 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, min(left, $0.count)) }
                if n <= 0 { return }
                left -= n
            }
            let cpu = threadCPUSeconds()
            lock.withLock {
                requestCount += 1
                bodyBytes += length
                serveCPU += cpu - cpuMark
            }
            cpuMark = cpu
            let written = answer.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if written != answer.count { return }
        }
    }

    /// The offset of `\r\n\r\n` in the first `count` bytes.
    private static func find(_ bytes: [UInt8], _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        for i in 0...(count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// CPU time (user + system) of the calling thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
