/// Replaces `${VAR}` and `${VAR:-default}` in pipeline text before YAML parsing.
///
/// `$${` escapes a literal `${`. Comments (a `#` outside quotes that starts a line or
/// follows a space) are left alone so a commented-out variable is not required.
/// Every substitution is recorded in a `SourceMap`, which maps positions back to the file
/// as written and knows which values came from the environment, so they are never printed.
struct EnvInterpolation {
    struct Failure: Sendable {
        var line: Int
        var column: Int
        var message: String
    }

    static func interpolate(_ text: String, environment: [String: String]) -> (String, SourceMap, [Failure]) {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var map = SourceMap(original: input)
        var failures: [Failure] = []
        var i = 0
        var line = 1
        var lineStart = 0
        var inComment = false
        var quote: UInt8 = 0
        var escaped = false
        while i < input.count {
            let b = input[i]
            if b == UInt8(ascii: "\n") {
                line += 1; lineStart = i + 1; inComment = false; quote = 0; escaped = false
                output.append(b); i += 1; continue
            }
            if !inComment {
                if escaped {
                    escaped = false
                } else if quote == UInt8(ascii: "\""), b == UInt8(ascii: "\\") {
                    escaped = true  // `\"` does not end a double-quoted string
                } else if quote == UInt8(ascii: "'"), b == quote, i + 1 < input.count, input[i + 1] == quote {
                    escaped = true  // nor does `''` a single-quoted one
                } else if quote == 0, b == UInt8(ascii: "\"") || b == UInt8(ascii: "'"), i == lineStart || startsScalar(input[i - 1]) {
                    quote = b  // only where a quoted scalar can start: `it's` is no quote
                } else if b == quote {
                    quote = 0
                } else if quote == 0, b == UInt8(ascii: "#"), i == lineStart || input[i - 1] == UInt8(ascii: " ") || input[i - 1] == UInt8(ascii: "\t") {
                    inComment = true
                }
            }
            guard !inComment, b == UInt8(ascii: "$"), i + 1 < input.count else {
                output.append(b); i += 1; continue
            }
            if input[i + 1] == UInt8(ascii: "$"), i + 2 < input.count, input[i + 2] == UInt8(ascii: "{") {
                map.record(originalStart: i, originalEnd: i + 2, outputStart: output.count, outputLength: 1, fromEnvironment: false)
                output.append(UInt8(ascii: "$")); i += 2; continue
            }
            guard input[i + 1] == UInt8(ascii: "{") else {
                output.append(b); i += 1; continue
            }
            let lineEnd = input[(i + 2)...].firstIndex(of: UInt8(ascii: "\n")) ?? input.count
            guard let close = input[(i + 2)..<lineEnd].firstIndex(of: UInt8(ascii: "}")) else {
                failures.append(Failure(line: line, column: i - lineStart + 1,
                                        message: "unterminated variable reference '${…' (missing '}'; write $${ for a literal ${)"))
                output.append(b); i += 1; continue
            }
            let body = String(decoding: input[(i + 2)..<close], as: UTF8.self)
            let (name, fallback) = split(body)
            let column = i - lineStart + 1
            guard isValidName(name) else {
                failures.append(Failure(line: line, column: column, message: "invalid variable reference '${\(body)}'"))
                output.append(b); i += 1; continue
            }
            let value: String
            var fromEnvironment = true
            if let env = environment[name], !(fallback != nil && env.isEmpty) {
                value = env
            } else if let fallback {
                value = fallback
                fromEnvironment = false
            } else {
                failures.append(Failure(line: line, column: column, message: "environment variable '\(name)' is not set and has no default (write ${\(name):-default})"))
                value = ""
            }
            let bytes = Array(value.utf8)
            map.record(originalStart: i, originalEnd: close + 1, outputStart: output.count, outputLength: bytes.count,
                       fromEnvironment: fromEnvironment)
            if fromEnvironment { map.secrets.insert(value) }
            output.append(contentsOf: bytes)
            i = close + 1
        }
        map.finish(output: output)
        return (String(decoding: output, as: UTF8.self), map, failures)
    }

    private static func startsScalar(_ previous: UInt8) -> Bool {
        previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || previous == UInt8(ascii: "[")
            || previous == UInt8(ascii: "{") || previous == UInt8(ascii: ",") || previous == UInt8(ascii: ":")
    }

    private static func split(_ body: String) -> (String, String?) {
        guard let range = body.range(of: ":-") else { return (body, nil) }
        return (String(body[..<range.lowerBound]), String(body[range.upperBound...]))
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 || (48...57).contains($0) || $0 == 95 }
    }
}

/// Maps positions in interpolated pipeline text back to the text as written, and hides
/// the values that came from the environment.
struct SourceMap: Sendable {
    private struct Replacement: Sendable {
        var originalStart: Int
        var originalEnd: Int
        var outputStart: Int
        var outputEnd: Int
    }

    private var replacements: [Replacement] = []
    private var originalLineStarts: [Int] = [0]
    private var outputLineStarts: [Int] = [0]
    /// Values substituted from the environment (never printed).
    var secrets: Set<String> = []

    init(original: [UInt8]) {
        for (i, b) in original.enumerated() where b == UInt8(ascii: "\n") { originalLineStarts.append(i + 1) }
    }

    /// A map for text that had no substitutions.
    static func identity(_ text: String) -> SourceMap {
        var map = SourceMap(original: Array(text.utf8))
        map.finish(output: Array(text.utf8))
        return map
    }

    mutating func record(originalStart: Int, originalEnd: Int, outputStart: Int, outputLength: Int, fromEnvironment: Bool) {
        replacements.append(Replacement(originalStart: originalStart, originalEnd: originalEnd,
                                        outputStart: outputStart, outputEnd: outputStart + outputLength))
    }

    mutating func finish(output: [UInt8]) {
        outputLineStarts = [0]
        for (i, b) in output.enumerated() where b == UInt8(ascii: "\n") { outputLineStarts.append(i + 1) }
    }

    /// The position in the file as written of a 1-based position in the interpolated text.
    func original(line: Int, column: Int) -> (line: Int, column: Int) {
        guard line >= 1, line <= outputLineStarts.count else { return (line, column) }
        let offset = outputLineStarts[line - 1] + max(0, column - 1)
        var delta = 0
        for r in replacements {
            if offset >= r.outputEnd {
                delta = r.originalEnd - r.outputEnd
            } else if offset >= r.outputStart {
                delta = r.originalStart - offset
                break
            } else {
                break
            }
        }
        let originalOffset = offset + delta
        var lineIndex = 0
        var low = 0, high = originalLineStarts.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if originalLineStarts[mid] <= originalOffset { lineIndex = mid; low = mid + 1 } else { high = mid - 1 }
        }
        return (lineIndex + 1, originalOffset - originalLineStarts[lineIndex] + 1)
    }

    /// `text` with every environment-supplied value replaced by `<redacted>`.
    func redact(_ text: String) -> String { Redactor.redact(text, secrets: secrets) }
}
