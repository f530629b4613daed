#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A blocking HTTP/1.1 client over a POSIX socket to 127.0.0.1, one request per connection.
public enum HTTPTestClient {
    /// A parsed response.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: String

        /// The first header called `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        /// The body without its chunk framing when it was sent `Transfer-Encoding: chunked`.
        public var content: String {
            guard header("Transfer-Encoding")?.lowercased() == "chunked" else { return body }
            var bytes = Substring(body).utf8[...]
            var out: [UInt8] = []
            while let end = bytes.firstIndex(of: UInt8(ascii: "\r")),
                  let size = Int(String(decoding: bytes[..<end], as: UTF8.self), radix: 16), size > 0 {
                let start = bytes.index(end, offsetBy: 2)
                let stop = bytes.index(start, offsetBy: size)
                out += bytes[start..<stop]
                bytes = bytes[bytes.index(stop, offsetBy: 2)...]
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A socket or protocol failure.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sends `method path` to 127.0.0.1:`port` with `Connection: close` and reads the whole answer.
    /// A non-empty `body` is sent with its `Content-Length`, in `chunkSize`-byte writes when set.
    public static func request(port: Int, _ path: String, method: String = "GET", headers: [(String, String)] = [],
                               body: [UInt8] = [], chunkSize: Int = 0, timeoutSeconds: Int = 10) throws -> Response {
        let fd = try connect(port: port, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + body
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let step = chunkSize > 0 ? chunkSize : out.count
        var sent = 0
        while sent < out.count {
            let n = out[sent..<min(out.count, sent + step)].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
            received.append(contentsOf: chunk[..<n])
        }
        return try parse(received)
    }

    /// A TCP socket connected to 127.0.0.1:`port`, with send and receive timeouts (and a
    /// receive buffer of `receiveBufferBytes`, set before connecting, when given).
    static func connect(port: Int, timeoutSeconds: Int, receiveBufferBytes: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBufferBytes.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no header end in: \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line: \(lines[0])") }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
