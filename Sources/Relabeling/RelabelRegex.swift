import Codecs
import CPCRE2

/// A relabel rule's `regex`, compiled once with PCRE2 (JIT when available) and anchored at
/// both ends, as Prometheus anchors it (`^(?s:…)$`): `a` matches `a`, never `ba`.
///
/// The anchors are compile options rather than text around the pattern, so PCRE2's error
/// offsets point into the pattern as written. The options mirror Go's `regexp` semantics
/// Prometheus has: `.` matches a newline (`(?s:`), `$` inside the pattern only at the very
/// end, `.` a whole UTF-8 character; invalid UTF-8 in a value is matched, not an error.
///
/// Match data is scratch space: one regex belongs to one stage's thread.
package final class RelabelRegex: @unchecked Sendable {
    package typealias CompileError = PCRE2Pattern.CompileError

    /// Prometheus' default regex.
    package static let matchAll = "(.*)"

    /// Number of capturing groups.
    var captureCount: Int { pattern.captureCount }
    /// Named groups: name → group numbers, lowest first (names may repeat under `(?J)`).
    let names: [String: [Int]]
    private let pattern: PCRE2Pattern
    /// The alternatives, when the pattern is only literal alternatives of name characters
    /// (`build_sha`, `go_gc|go_memstats`): a match is then an equal value, found without PCRE2.
    private let literals: RelabelByteStrings?

    /// Compiles `pattern`; throws PCRE2's message and offset when it does not compile.
    package init(_ pattern: String) throws(CompileError) {
        self.pattern = try PCRE2Pattern(pattern, options: UInt32(PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOTALL
            | PCRE2_DOLLAR_ENDONLY | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF))
        names = Dictionary(grouping: self.pattern.namedGroups, by: \.name).mapValues { $0.map(\.number).sorted() }
        let isLiteral = pattern.utf8.allSatisfy { PrometheusName.isAlphanumeric($0) || "_:-|".utf8.contains($0) }
        let alternatives = pattern.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        literals = isLiteral ? RelabelByteStrings(alternatives.map(Array.init)) : nil
    }

    deinit { literals?.deallocate() }

    /// True when the whole of `subject` matches, when the groups are not needed (they are not set).
    func isMatch(_ subject: UnsafeRawBufferPointer) -> Bool {
        guard let literals else { return matches(subject) }
        return literals.contains(subject)
    }

    /// True when the whole of `subject` matches; `range(of:)` then gives the groups.
    func matches(_ subject: UnsafeRawBufferPointer) -> Bool { pattern.match(subject) >= 0 }

    /// True when the whole of `bytes` matches.
    func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { matches($0) }
    }

    /// The byte range group `number` captured in the last match; nil when it took no part.
    func range(of number: Int) -> Range<Int>? { pattern.range(of: number) }
}
