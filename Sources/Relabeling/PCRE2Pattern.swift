import CPCRE2

/// One compiled PCRE2 pattern (JIT when available) with the match data, and optionally the
/// match context, every match reuses: what the relabel engine and the `regex` transform match with.
///
/// A pattern belongs to one stage: its match data is scratch space, so two threads must not
/// match with the same pattern at once. The compiled code is freed with the pattern.
package final class PCRE2Pattern: @unchecked Sendable {
    /// A compile error: PCRE2's message and the byte offset in the pattern where it stopped.
    package struct CompileError: Error, Equatable {
        package let message: String
        package let offset: Int
    }

    /// Number of capturing groups.
    package let captureCount: Int
    /// Named groups as the name table lists them (sorted by name): number and name.
    package let namedGroups: [(number: Int, name: String)]
    /// True when `pcre2_jit_compile_8` succeeded; matching then uses `pcre2_jit_match_8`.
    package let jit: Bool
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let matchContext: OpaquePointer?

    /// Compiles `pattern` with `options`; `matchLimit`/`depthLimit` bound backtracking when
    /// given. `useJIT: false` forces the interpreter (tests of the fallback path).
    package init(_ pattern: String, options: UInt32 = 0, matchLimit: Int? = nil, depthLimit: Int? = nil,
         useJIT: Bool = true) throws(CompileError) {
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
        jit = useJIT && pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        matchData = pcre2_match_data_create_from_pattern_8(compiled, nil)
        if matchLimit != nil || depthLimit != nil {
            let context = pcre2_match_context_create_8(nil)
            if let matchLimit { pcre2_set_match_limit_8(context, UInt32(clamping: matchLimit)) }
            if let depthLimit { pcre2_set_depth_limit_8(context, UInt32(clamping: depthLimit)) }
            matchContext = context
        } else {
            matchContext = nil
        }
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        namedGroups = Self.nameTable(compiled)
    }

    deinit {
        if let matchContext { pcre2_match_context_free_8(matchContext) }
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// Matches `subject`: PCRE2's return code (≥ 0 matched; `range(of:)` then gives the groups).
    package func match(_ subject: UnsafeRawBufferPointer) -> Int32 {
        // An empty subject may have no base address; PCRE2 accepts any pointer with length 0.
        let pointer = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        return jit
            ? pcre2_jit_match_8(code, pointer, subject.count, 0, 0, matchData, matchContext)
            : pcre2_match_8(code, pointer, subject.count, 0, 0, matchData, matchContext)
    }

    /// The byte range group `number` captured in the last match; nil when it took no part.
    package func range(of number: Int) -> Range<Int>? {
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
    private static func nameTable(_ code: OpaquePointer) -> [(number: Int, name: String)] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard count > 0, let table else { return [] }
        return (0..<Int(count)).map { i in
            let entry = table + i * Int(entrySize)
            return (Int(entry[0]) << 8 | Int(entry[1]), String(cString: entry + 2))
        }
    }
}
