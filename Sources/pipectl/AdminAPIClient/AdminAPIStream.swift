import Codecs
import Foundation

/// An open admin API answer whose body is read line by line as it arrives (a tap's NDJSON).
///
/// `nextLines` blocks without a timeout: a quiet component may send nothing for minutes.
/// `interrupt` (from a signal handler) shuts the socket down, which ends a blocked read.
final class AdminAPIStream: @unchecked Sendable {
    private let fd: Int32
    private let api: String
    private var decoder: ChunkedLineDecoder
    private var leftover: [UInt8]
    private let lock = NSLock()
    private var interruptedFlag = false

    init(fd: Int32, api: String, chunked: Bool, leftover: [UInt8]) {
        self.fd = fd
        self.api = api
        self.decoder = ChunkedLineDecoder(chunked: chunked)
        self.leftover = leftover
    }

    deinit { close(fd) }

    /// True once `interrupt` was called.
    var interrupted: Bool { lock.withLock { interruptedFlag } }

    /// Ends the stream from another thread: a blocked `nextLines` returns nil.
    func interrupt() {
        lock.withLock { interruptedFlag = true }
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// The next complete lines (at least one), nil at the end of the body or after
    /// `interrupt`; throws when the connection breaks or ends before the body does.
    func nextLines() throws(AdminAPIError) -> [[UInt8]]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if !leftover.isEmpty {
                let lines = try decode(leftover)
                leftover = []
                if !lines.isEmpty { return lines }
            }
            if decoder.isDone || interrupted { return nil }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if interrupted { return nil }
            guard n > 0 else {
                if n == 0, let last = decoder.finish() { return [last] }
                let reason = n == 0 ? "the connection closed before the stream's end" : String(cString: strerror(errno)).lowercased()
                throw .unreachable(api, reason)
            }
            let lines = try decode(buffer[..<n])
            if !lines.isEmpty { return lines }
        }
    }

    private func decode(_ bytes: some Collection<UInt8>) throws(AdminAPIError) -> [[UInt8]] {
        do { return try decoder.feed(bytes) } catch {
            throw .unexpectedAnswer("\(api) sent a stream pipectl cannot read: \(error)")
        }
    }
}

extension AdminAPIClient {
    /// Sends `GET path` and reads the answer's head. A 200 returns the body as a stream;
    /// anything else is thrown: a 401 as `.unauthorized`, a 400 or 404 as the API's message.
    func openStream(_ path: String, accept: String) throws(AdminAPIError) -> AdminAPIStream {
        let fd = try openSocket()
        var handedOver = false
        defer { if !handedOver { close(fd) } }
        try sendGet(path, accept: accept, on: fd)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var headEnd: Int?
        while headEnd == nil {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                if n == 0 { throw .unexpectedAnswer("\(endpoint) closed the connection without an answer") }
                throw unreachable(errno)
            }
            let from = max(0, received.count - 3)
            received.append(contentsOf: chunk[..<n])
            headEnd = received[from...].indices.first { received[$0...].starts(with: [13, 10, 13, 10]) }
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self).lowercased().components(separatedBy: "\r\n")
        let status = head.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
        guard status == 200 else {
            let answer = try parse(try readToEnd(fd, after: received))
            throw failure(status: answer.status, body: answer.body, path: path)
        }
        // From here on the stream waits as long as the component is quiet.
        var noTimeout = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &noTimeout, socklen_t(MemoryLayout<timeval>.size))
        let chunked = head.contains { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }
        handedOver = true
        return AdminAPIStream(fd: fd, api: endpoint.description, chunked: chunked, leftover: Array(received[(headEnd! + 4)...]))
    }

    /// What a refusal means: the token, or the API's own message (the first line of its body).
    private func failure(status: Int, body: [UInt8], path: String) -> AdminAPIError {
        let text = String(decoding: body.prefix(1000), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        switch status {
        case 401: return .unauthorized(endpoint.description, tokenGiven: token != nil)
        case 400 where !text.isEmpty, 404 where !text.isEmpty: return .unexpectedAnswer(text)
        default:
            let url = endpoint.description + String(path.dropFirst(endpoint.prefix.count)).prefix { $0 != "?" }
            return .unexpectedAnswer("\(url) answered \(status)\(text.isEmpty ? "" : ": \(text)")")
        }
    }
}
