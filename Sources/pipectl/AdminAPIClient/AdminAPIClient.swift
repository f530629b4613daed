import Foundation

/// Talks to the admin API for `pipectl top` and `pipectl tap`: one blocking HTTP/1.1 GET per
/// call over a plain socket (`Connection: close`), bounded by `timeoutSeconds` to connect and
/// to answer (a tap's stream, once open, waits as long as it must: see `openStream`).
///
/// A socket and a few lines of HTTP are all these commands need, so the CLI needs no HTTP
/// client library.
struct AdminAPIClient: Sendable {
    let endpoint: AdminAPIEndpoint
    let token: String?
    var timeoutSeconds = 5
    /// The `User-Agent` sent: the command's name.
    var userAgent = "pipectl-top"

    /// The token to send: `--token`, else `PIPECTL_API_TOKEN`; nil when neither is set or empty.
    static func token(flag: String?) -> String? {
        let value = flag ?? ProcessInfo.processInfo.environment["PIPECTL_API_TOKEN"]
        return value?.isEmpty == false ? value : nil
    }

    /// The components and their counters now.
    func components() throws(AdminAPIError) -> ComponentsSnapshot {
        let url = endpoint.description + "/v1/components"
        let answer = try get(endpoint.prefix + "/v1/components")
        switch answer.status {
        case 200:
            do { return try ComponentsSnapshot.decode(answer.body) } catch {
                throw .unexpectedAnswer("\(url) did not answer pipectl's component list (\(error))")
            }
        case 401:
            throw .unauthorized(endpoint.description, tokenGiven: token != nil)
        default:
            let text = String(decoding: answer.body.prefix(200), as: UTF8.self).split(separator: "\n").first ?? ""
            throw .unexpectedAnswer("\(url) answered \(answer.status)\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    /// Sends `GET path`, reads to the end, and splits status, headers and body.
    private func get(_ path: String) throws(AdminAPIError) -> (status: Int, body: [UInt8]) {
        let fd = try openSocket()
        defer { close(fd) }
        try sendGet(path, accept: "application/json", on: fd)
        let received = try readToEnd(fd)
        return try parse(received)
    }

    /// Sends the head of `GET path` (with the token, and `Connection: close`) on `fd`.
    func sendGet(_ path: String, accept: String, on fd: Int32) throws(AdminAPIError) {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\nAccept: \(accept)\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        request += "User-Agent: \(userAgent)\r\nConnection: close\r\n\r\n"
        var out = Array(request.utf8)[...]
        while !out.isEmpty {
            let n = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw unreachable(errno) }
            out = out.dropFirst(n)
        }
    }

    /// Everything `fd` sends until it closes, appended to `received`.
    func readToEnd(_ fd: Int32, after received: [UInt8] = []) throws(AdminAPIError) -> [UInt8] {
        var received = received
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw unreachable(errno) }
            received.append(contentsOf: chunk[..<n])
        }
        return received
    }

    /// Splits an answer read to its end into status and body (cut at `Content-Length`).
    func parse(_ bytes: [UInt8]) throws(AdminAPIError) -> (status: Int, body: [UInt8]) {
        let end = Array("\r\n\r\n".utf8)
        guard let split = bytes.indices.first(where: { bytes[$0...].starts(with: end) }) else {
            throw .unexpectedAnswer("\(endpoint) did not answer HTTP (\(bytes.count) bytes, no header end)")
        }
        let head = String(decoding: bytes[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]) else {
            throw .unexpectedAnswer("\(endpoint) did not answer HTTP: \(head[0].prefix(80))")
        }
        var body = Array(bytes[(split + end.count)...])
        let length = head.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
        if let length, let n = Int(length.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)), n < body.count {
            body = Array(body.prefix(n))
        }
        return (status, body)
    }

    /// A socket connected to the endpoint (trying each address it resolves to), with timeouts set.
    func openSocket() throws(AdminAPIError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw .unreachable(endpoint.description, "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var failure = ECONNREFUSED
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next?.pointee {
            next = address.ai_next
            let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
            guard fd >= 0 else { failure = errno; continue }
            if let error = connectWithin(fd, to: address) {
                failure = error
                close(fd)
                continue
            }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        throw unreachable(failure)
    }

    /// Connects without blocking longer than the timeout; the errno of a failure, nil on success.
    private func connectWithin(_ fd: Int32, to address: addrinfo) -> Int32? {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return errno }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, Int32(timeoutSeconds * 1000))
        if ready == 0 { return ETIMEDOUT }
        if ready < 0 { return errno }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? nil : error
    }

    /// `connection refused`, `no answer within 5s`: strerror lower-cased, as a message continues.
    func unreachable(_ code: Int32) -> AdminAPIError {
        let reason = code == EAGAIN || code == ETIMEDOUT
            ? "no answer within \(timeoutSeconds)s"
            : String(cString: strerror(code)).lowercased()
        return .unreachable(endpoint.description, reason)
    }
}
