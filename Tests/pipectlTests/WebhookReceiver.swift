import Foundation
import XCTest

/// A loopback HTTP server standing in for an Alertmanager `webhook_configs` receiver: it
/// answers every request 200 and keeps each request's path and body; stopped when the test ends.
final class WebhookReceiver: @unchecked Sendable {
    let port: Int
    private let listener: ListeningSocket
    private let lock = NSLock()
    private var received: [(path: String, body: Data)] = []

    init(_ test: XCTestCase) throws {
        listener = try ListeningSocket()
        port = listener.port
        let fd = listener.fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }  // the listener was closed
                if let request = Self.readRequest(client) { lock.withLock { received.append(request) } }
                let response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(client)
            }
        }
        test.addTeardownBlock { [listener] in shutdown(listener.fd, Int32(SHUT_RDWR)); listener.close() }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request so far, in arrival order.
    var requests: [(path: String, body: Data)] { lock.withLock { received } }

    /// Every request body that decodes as an Alertmanager notification, with its path.
    var notifications: [(path: String, notification: AlertmanagerNotification)] {
        requests.compactMap { request in
            (try? JSONDecoder().decode(AlertmanagerNotification.self, from: request.body)).map { (request.path, $0) }
        }
    }

    /// One request: the path of its request line and its `Content-Length` body (5 s per read).
    private static func readRequest(_ fd: Int32) -> (path: String, body: Data)? {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 16_384)
        var headEnd: Int?, length = 0
        while headEnd.map({ bytes.count < $0 + length }) ?? true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            bytes += chunk[..<n]
            if headEnd == nil, let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                headEnd = end
                let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
                length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
            }
        }
        guard let end = headEnd else { return nil }
        let requestLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let path = requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        return (path, Data(bytes[end..<end + length]))
    }
}

/// The JSON Alertmanager posts to a webhook receiver (version 4), as far as the tests read it.
struct AlertmanagerNotification: Decodable {
    struct Alert: Decodable {
        let status: String
        let labels: [String: String]
        let annotations: [String: String]
    }

    let receiver: String
    let status: String
    let alerts: [Alert]
}
