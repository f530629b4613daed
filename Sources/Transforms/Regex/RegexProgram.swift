import CPCRE2
import Relabeling

/// One compiled PCRE2 pattern with its named groups, JIT code when available, and the match
/// data and match context every match reuses (no allocation per event).
///
/// A program belongs to one stage: its match data is scratch space, so two threads must not
/// match with the same program at once. The compiled code is freed with the program.
final class RegexProgram: @unchecked Sendable {
    typealias CompileError = PCRE2Pattern.CompileError

    /// A named group: its number (the ovector pair) and its name's UTF-8 bytes.
    struct Group {
        let number: Int
        let name: String
        let nameBytes: [UInt8]
    }

    /// What one match attempt found.
    enum Outcome: Equatable {
        case matched
        case noMatch
        /// The match or depth limit was hit (catastrophic backtracking); treated as no match.
        case limitHit
    }

    let pattern: String
    let groups: [Group]
    /// True when `pcre2_jit_compile_8` succeeded; matching then uses `pcre2_jit_match_8`.
    var jit: Bool { compiled.jit }
    private let compiled: PCRE2Pattern

    /// Compiles `pattern`; throws PCRE2's message and error offset when it does not compile.
    /// `useJIT: false` forces the interpreter (tests of the fallback path).
    init(_ pattern: String, matchLimit: Int, depthLimit: Int, useJIT: Bool = true) throws(CompileError) {
        compiled = try PCRE2Pattern(pattern, matchLimit: matchLimit, depthLimit: depthLimit, useJIT: useJIT)
        self.pattern = pattern
        // The table is sorted by name; fields follow the pattern.
        groups = compiled.namedGroups.sorted { $0.number < $1.number }
            .map { Group(number: $0.number, name: $0.name, nameBytes: Array($0.name.utf8)) }
    }

    /// Matches `subject`; on `.matched`, `range(of:)` gives the groups' byte ranges.
    func match(_ subject: UnsafeRawBufferPointer) -> Outcome {
        let rc = compiled.match(subject)
        if rc >= 0 { return .matched }
        if rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT {
            return .limitHit
        }
        return .noMatch
    }

    /// The byte range group `number` captured in the last match; nil when it did not take part.
    func range(of number: Int) -> Range<Int>? { compiled.range(of: number) }
}
