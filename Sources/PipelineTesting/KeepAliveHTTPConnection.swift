#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One keep-alive HTTP/1.1 connection to 127.0.0.1: requests go one after another on the
/// same socket (so on the same server event loop), each answer read by its Content-Length.
public final class KeepAliveHTTPConnection {
    private let fd: Int32
    private let port: Int
    private var pending: [UInt8] = []

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        self.port = port
        fd = try HTTPTestClient.connect(port: port, timeoutSeconds: timeoutSeconds)
    }

    deinit { close(fd) }

    /// Sends one request and reads its answer.
    public func request(_ path: String, method: String = "POST", headers: [(String, String)] = [],
                        body: [UInt8] = []) throws -> HTTPTestClient.Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let out = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw HTTPTestClient.Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        return try readResponse()
    }

    private func readResponse() throws -> HTTPTestClient.Response {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let end = headerEnd(), let length = contentLength(pending[..<end]), pending.count >= end + length {
                let response = try HTTPTestClient.parse(Array(pending[..<(end + length)]))
                pending.removeFirst(end + length)
                return response
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw HTTPTestClient.Failure(description: "connection closed or failed before a whole answer") }
            pending.append(contentsOf: chunk[..<n])
        }
    }

    private func headerEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4) where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private func contentLength(_ head: ArraySlice<UInt8>) -> Int? {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        guard let range = text.range(of: "content-length:") else { return 0 }
        return Int(text[range.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces))
    }
}
