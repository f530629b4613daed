/// Where the admin API is, from `--api`: `http://HOST[:PORT][/PREFIX]`, or `HOST:PORT`
/// as `pipectl run` logs it. The admin API speaks plain HTTP only (SPEC §6).
struct AdminAPIEndpoint: Sendable, CustomStringConvertible {
    let host: String
    let port: Int
    /// A path prefix without the trailing `/`, for an API behind a proxy ("" usually).
    let prefix: String

    /// The URL as the user wrote it, for messages.
    let description: String

    /// Parses `text`; the error says what is wrong with it.
    init(_ text: String) throws(InvalidEndpoint) {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") {
            guard rest[..<scheme.lowerBound].lowercased() == "http" else {
                throw InvalidEndpoint("--api \(text): the admin API serves plain http://, not \(rest[..<scheme.lowerBound])://")
            }
            rest = rest[scheme.upperBound...]
        }
        let authority = rest.prefix { $0 != "/" }
        prefix = String(rest.dropFirst(authority.count).reversed().drop { $0 == "/" }.reversed())
        let hostPart: Substring, portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {  // [::1]:8686
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : (after.isEmpty ? nil : after)
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw InvalidEndpoint("--api \(text): no host; expected a URL like http://127.0.0.1:8686") }
        host = String(hostPart)
        if let portPart {
            guard let port = Int(portPart), (1...65535).contains(port) else {
                throw InvalidEndpoint("--api \(text): '\(portPart)' is not a port between 1 and 65535")
            }
            self.port = port
        } else {
            port = 80
        }
        description = text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// `Host:` header value: the host (bracketed when IPv6) and port.
    var hostHeader: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// Why `--api` could not be parsed.
    struct InvalidEndpoint: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
