import Logging
import Pipeline

/// `regex`: parses a log field with PCRE2 (JIT) patterns; named groups become fields.
///
/// - patterns (list of strings, required): tried in order, the first that matches wins. Each
///   needs at least one named group (`(?<status>\d+)`); a group's name is its field's name.
/// - field (string, default message): the field matched; a field holding bytes, or the message.
/// - types (mapping group → int | float | bool | duration | size | timestamp, default none):
///   converts a group's value (see `RegexFieldType`); a value that does not convert is kept as
///   bytes and counted as `errors{kind="type"}`. Untyped groups are bytes.
/// - on_no_match (keep | drop | route, default keep): what happens to an event no pattern
///   matches; `route` sends it to the port `ID.unmatched`.
/// - match_limit (int, default 100000) and depth_limit (int, default 10000): PCRE2's bounds on
///   backtracking. A match that hits one counts `errors{kind="match_limit"}` and the event is
///   treated as unmatched. With JIT only `match_limit` applies (PCRE2 ignores the depth limit
///   in JIT matching; the JIT stack, 32 KiB by default, bounds recursion instead and its
///   overflow is counted the same way).
public struct RegexTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "regex", role: .transform, accepts: .log,
                                                    produces: .fixed(.log)) { RegexTransformConfig(reader: $0) }

    enum NoMatch: String, CaseIterable { case keep, drop, route }

    static let defaultMatchLimit = 100_000
    static let defaultDepthLimit = 10_000

    let patterns: [String]
    let field: FieldName
    let types: [String: RegexFieldType]
    let onNoMatch: NoMatch
    let matchLimit: Int
    let depthLimit: Int

    public var ports: [String] { onNoMatch == .route ? ["unmatched"] : [] }

    init(reader: ConfigReader) {
        field = FieldName(reader.string("field") ?? "message")
        onNoMatch = NoMatch(rawValue: reader.choice("on_no_match", NoMatch.allCases.map(\.rawValue), default: "keep")) ?? .keep
        matchLimit = reader.int("match_limit", default: Self.defaultMatchLimit, range: 1...Int(UInt32.max))
        depthLimit = reader.int("depth_limit", default: Self.defaultDepthLimit, range: 1...Int(UInt32.max))
        var types: [String: RegexFieldType] = [:]
        for (group, name) in reader.stringMap("types") ?? [] {
            if let type = RegexFieldType(rawValue: name) {
                types[group] = type
            } else {
                reader.error("types", "unknown type '\(name)' for group '\(group)' (allowed: \(RegexFieldType.allowedNames))")
            }
        }
        self.types = types
        patterns = reader.stringList("patterns", required: true) ?? []
        if reader.has("patterns"), patterns.isEmpty { reader.error("patterns", "expected at least one pattern") }
        var groupNames: Set<String> = []
        for (i, pattern) in patterns.enumerated() {
            do throws(RegexProgram.CompileError) {
                let program = try RegexProgram(pattern, matchLimit: matchLimit, depthLimit: depthLimit)
                if program.groups.isEmpty {
                    reader.error("patterns", item: i, "no named group; name what to keep, like (?<status>\\d+)")
                }
                groupNames.formUnion(program.groups.map(\.name))
            } catch {
                reader.error("patterns", item: i, "not a valid PCRE2 pattern: \(error.message) at offset \(error.offset): \(Self.pointer(pattern, error.offset))")
            }
        }
        for group in types.keys.sorted() where !patterns.isEmpty && !groupNames.contains(group) {
            reader.error("types", "'\(group)' is not a named group of any pattern")
        }
        reader.finish()
    }

    /// The pattern with `>>>` at the error offset, so the spot is visible in one line.
    private static func pointer(_ pattern: String, _ offset: Int) -> String {
        let bytes = Array(pattern.utf8)
        let at = min(max(offset, 0), bytes.count)
        return String(decoding: bytes[..<at], as: UTF8.self) + ">>>" + String(decoding: bytes[at...], as: UTF8.self)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(try makeTransform(metrics: context.metrics, logger: context.logger))
    }

    /// The stage, compiling every pattern (validation already reported any that fails).
    func makeTransform(metrics: ComponentMetrics, logger: Logger) throws -> RegexTransform {
        var programs: [RegexProgram] = []
        for pattern in patterns {
            do throws(RegexProgram.CompileError) {
                programs.append(try RegexProgram(pattern, matchLimit: matchLimit, depthLimit: depthLimit))
            } catch {
                throw RegexTransformError(pattern: pattern, compile: error)
            }
        }
        return RegexTransform(programs: programs, field: field, types: types, onNoMatch: onNoMatch,
                              problems: RegexProblems(metrics: metrics, log: RateLimitedLogger(logger: logger)))
    }
}

/// A pattern that does not compile when the stage is built (validation reports it first).
struct RegexTransformError: Error, CustomStringConvertible {
    let pattern: String
    let compile: RegexProgram.CompileError
    var description: String { "regex: pattern \(pattern) does not compile: \(compile.message) at offset \(compile.offset)" }
}
