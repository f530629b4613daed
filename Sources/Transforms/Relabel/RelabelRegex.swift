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
final class RelabelRegex: @unchecked Sendable {
    /// A compile error: PCRE2's message and the byte offset in the pattern where it stopped.
    struct CompileError: Error, Equatable {
        let message: String
        let offset: Int
    }

    /// Prometheus' default regex.
    static let matchAll = "(.*)"

    /// Number of capturing groups.
    let captureCount: Int
    /// Named groups: name → group numbers, lowest first (names may repeat under `(?J)`).
    let names: [String: [Int]]
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let jit: Bool

    /// Compiles `pattern`; throws PCRE2's message and offset when it does not compile.
    init(_ pattern: String) throws(CompileError) {
        let options = UInt32(PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY
            | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.utf8CString.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: UInt8.self) { bytes in
                pcre2_compile_8(bytes.baseAddress, cpcre2_zero_terminated(), options, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw CompileError(message: Self.errorMessage(errorCode), offset: Int(errorOffset))
        }
        code = compiled
        jit = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        matchData = pcre2_match_data_create_from_pattern_8(compiled, nil)
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        names = Self.namedGroups(compiled)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// True when the whole of `subject` matches; `range(of:)` then gives the groups.
    func matches(_ subject: UnsafeRawBufferPointer) -> Bool {
        // An empty subject may have no base address; PCRE2 accepts any pointer with length 0.
        let pointer = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let rc = jit
            ? pcre2_jit_match_8(code, pointer, subject.count, 0, 0, matchData, nil)
            : pcre2_match_8(code, pointer, subject.count, 0, 0, matchData, nil)
        return rc >= 0
    }

    /// True when the whole of `bytes` matches.
    func matches(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { matches($0) }
    }

    /// The byte range group `number` captured in the last match; nil when it took no part.
    func range(of number: Int) -> Range<Int>? {
        guard number <= captureCount else { return nil }
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
    private static func namedGroups(_ code: OpaquePointer) -> [String: [Int]] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard count > 0, let table else { return [:] }
        var names: [String: [Int]] = [:]
        for i in 0..<Int(count) {
            let entry = table + i * Int(entrySize)
            names[String(cString: entry + 2), default: []].append(Int(entry[0]) << 8 | Int(entry[1]))
        }
        return names.mapValues { $0.sorted() }
    }
}
