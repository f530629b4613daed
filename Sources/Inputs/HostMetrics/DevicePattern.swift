#if canImport(Glibc)
import Glibc
#endif

/// A POSIX extended regular expression (`regcomp`) matched against device names, mount
/// points and file-system types, compiled once at config time.
///
/// node_exporter's patterns are Go (RE2) syntax; the shorthands they use, `\d`, `\s` and
/// `\w`, are rewritten to bracket expressions, so its default patterns keep their meaning.
/// Like Go's `MatchString`, a match anywhere counts unless the pattern is anchored.
final class DevicePattern: @unchecked Sendable {
    // regexec only reads the compiled pattern; glibc allows concurrent calls.
    private var regex = regex_t()
    /// The pattern as written in the config.
    let source: String

    /// Compiles `source`; throws the `regerror` text when it is not a valid pattern.
    init(_ source: String) throws(DevicePatternError) {
        self.source = source
        let code = regcomp(&regex, Self.posix(source), REG_EXTENDED | REG_NOSUB)
        guard code == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(code, &regex, &message, message.count)
            throw DevicePatternError(message: String(cString: message))
        }
    }

    deinit { regfree(&regex) }

    /// True when `text` matches somewhere.
    func matches(_ text: String) -> Bool {
        regexec(&regex, text, 0, nil, 0) == 0
    }

    /// `source` with the RE2 shorthands POSIX lacks replaced by bracket expressions.
    static func posix(_ source: String) -> String {
        var out = ""
        var escaped = false
        for c in source {
            if escaped {
                switch c {
                case "d": out += "[0-9]"
                case "s": out += "[[:space:]]"
                case "w": out += "[[:alnum:]_]"
                default: out += "\\\(c)"
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out += "\\" }
        return out
    }
}

/// Why a pattern does not compile.
struct DevicePatternError: Error {
    let message: String
}
