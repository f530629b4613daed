#if canImport(Glibc)
import Glibc
#endif

/// Byte-string comparisons for label names and values, through raw pointers (the generic
/// `elementsEqual` and `lexicographicallyPrecedes` on buffer slices cost several times more).
package enum ByteOrder {
    /// Bytewise order, shorter first on a common prefix (Go's string comparison, which
    /// Prometheus sorts labels by): negative, zero or positive.
    @inlinable
    package static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 16 {
            // Long values: memcmp wins. Label names are short and usually differ in the first byte.
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            return c != 0 ? Int(c) : a.count - b.count
        }
        var i = 0
        while i < n {
            let x = a.load(fromByteOffset: i, as: UInt8.self), y = b.load(fromByteOffset: i, as: UInt8.self)
            if x != y { return Int(x) - Int(y) }
            i += 1
        }
        return a.count - b.count
    }

    /// True when `a` and `b` hold the same bytes.
    @inlinable
    package static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// True when `a` holds the bytes of `text`.
    @inlinable
    package static func equal(_ a: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        equal(a, UnsafeRawBufferPointer(text))
    }

    /// True when `a` starts with the bytes of `text`.
    @inlinable
    package static func hasPrefix(_ a: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        a.count >= text.utf8CodeUnitCount && equal(UnsafeRawBufferPointer(rebasing: a[..<text.utf8CodeUnitCount]), text)
    }

    /// True when `a` ends with the bytes of `text`.
    @inlinable
    package static func hasSuffix(_ a: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        a.count >= text.utf8CodeUnitCount && equal(UnsafeRawBufferPointer(rebasing: a[(a.count - text.utf8CodeUnitCount)...]), text)
    }
}

extension UnsafeRawBufferPointer {
    /// The UTF-8 bytes of a string literal (they live as long as the program).
    @inlinable
    package init(_ text: StaticString) {
        self.init(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }
}
