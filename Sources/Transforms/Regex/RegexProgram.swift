import CPCRE2

/// One compiled PCRE2 pattern with its named groups, JIT code when available, and the match
/// data and match context every match reuses (no allocation per event).
///
/// A program belongs to one stage: its match data is scratch space, so two threads must not
/// match with the same program at once. The compiled code is freed with the program.
final class RegexProgram: @unchecked Sendable {
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
    let jit: Bool
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let matchContext: OpaquePointer

    /// A compile error: PCRE2's message and the offset in the pattern where it stopped.
    struct CompileError: Error, Equatable {
        let message: String
        let offset: Int
    }

    /// Compiles `pattern`; throws PCRE2's message and error offset when it does not compile.
    /// `useJIT: false` forces the interpreter (tests of the fallback path).
    init(_ pattern: String, matchLimit: Int, depthLimit: Int, useJIT: Bool = true) throws(CompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.utf8CString.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: UInt8.self) { bytes in
                pcre2_compile_8(bytes.baseAddress, cpcre2_zero_terminated(), 0, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw CompileError(message: Self.errorMessage(errorCode), offset: Int(errorOffset))
        }
        code = compiled
        self.pattern = pattern
        jit = useJIT && pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        matchData = pcre2_match_data_create_from_pattern_8(compiled, nil)
        matchContext = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(matchContext, UInt32(clamping: matchLimit))
        pcre2_set_depth_limit_8(matchContext, UInt32(clamping: depthLimit))
        groups = Self.namedGroups(compiled)
    }

    deinit {
        pcre2_match_context_free_8(matchContext)
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// Matches `subject`; on `.matched`, `range(of:)` gives the groups' byte ranges.
    func match(_ subject: UnsafeRawBufferPointer) -> Outcome {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // An empty subject may have no base address; PCRE2 accepts any pointer with length 0.
        let pointer = base ?? UnsafePointer(bitPattern: 1)!
        let rc = jit
            ? pcre2_jit_match_8(code, pointer, subject.count, 0, 0, matchData, matchContext)
            : pcre2_match_8(code, pointer, subject.count, 0, 0, matchData, matchContext)
        if rc >= 0 { return .matched }
        if rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT {
            return .limitHit
        }
        return .noMatch
    }

    /// The byte range group `number` captured in the last match; nil when it did not take part.
    func range(of number: Int) -> Range<Int>? {
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let start = ovector[2 * number], end = ovector[2 * number + 1]
        if start == cpcre2_unset() || end < start { return nil }
        return Int(start)..<Int(end)
    }

    private static func errorMessage(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self) : "error \(code)"
    }

    /// Reads the name table: entries of `entrySize` bytes, a 2-byte big-endian group number
    /// then the zero-terminated name (pcre2api, "Information about a compiled pattern").
    private static func namedGroups(_ code: OpaquePointer) -> [Group] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard count > 0, let table else { return [] }
        return (0..<Int(count)).map { i in
            let entry = table + i * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            let name = String(cString: entry + 2)
            return Group(number: number, name: name, nameBytes: Array(name.utf8))
        }.sorted { $0.number < $1.number }  // The table is sorted by name; fields follow the pattern.
    }
}
