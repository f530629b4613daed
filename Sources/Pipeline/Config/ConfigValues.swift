/// Parsers for the value notations of the pipeline file: durations, sizes, addresses.
public enum ConfigValues {
    /// Parses `500ms`, `15s`, `5m`, `1h`, `1d` and sums like `1m30s`; `0` is allowed bare.
    public static func duration(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total: Duration = .zero
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: return nil
            }
            guard let nanos = Int64(exactly: (number * scale * 1e9).rounded()) else { return nil }
            total += .nanoseconds(nanos)
        }
        return total
    }

    /// Parses `512KiB`, `64MiB`, `1GiB`, `10MB`, `100KB`, `42B` or a bare byte count.
    public static func size(_ text: String) -> Int? {
        let digits = text.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let number = Double(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingPrefix(" ")
        let scale: Double
        switch unit {
        case "", "B": scale = 1
        case "KiB", "Ki": scale = 1024
        case "MiB", "Mi": scale = 1024 * 1024
        case "GiB", "Gi": scale = 1024 * 1024 * 1024
        case "KB", "kB", "K", "k": scale = 1000
        case "MB", "M": scale = 1_000_000
        case "GB", "G": scale = 1_000_000_000
        default: return nil
        }
        let value = number * scale
        guard value < Double(Int.max) else { return nil }
        return Int(value)
    }

    /// Parses `host:port` (`[::1]:port` for IPv6; port 0 asks for a free one).
    public static func hostPort(_ text: String) -> (host: String, port: Int)? {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            portText = after.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Splits an `http://` or `https://` URL into its parts; nil when it is not one.
    public static func httpURL(_ text: String) -> (scheme: String, host: String, port: Int, path: String)? {
        let scheme: String
        if text.hasPrefix("http://") { scheme = "http" } else if text.hasPrefix("https://") { scheme = "https" } else { return nil }
        let rest = text.dropFirst(scheme.count + 3)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let path = rest[authorityEnd...]
        guard !authority.isEmpty else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let parsed = hostPort(String(authority)) {
            return (scheme, parsed.host, parsed.port, path.isEmpty ? "/" : String(path))
        }
        if authority.hasPrefix("[") {
            guard authority.count > 2, authority.hasSuffix("]") else { return nil }
            return (scheme, String(authority.dropFirst().dropLast()), defaultPort, path.isEmpty ? "/" : String(path))
        }
        guard !authority.contains(":") else { return nil }
        return (scheme, String(authority), defaultPort, path.isEmpty ? "/" : String(path))
    }

    /// Levenshtein distance, for "did you mean" hints.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// The closest candidate to `word`, when close enough to be a likely typo.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return best
    }
}
