import Codecs

/// A fixed list of byte strings (label names, a separator, literal alternatives) packed in one
/// allocation and read through pointers, so that reading one retains nothing on the per-series
/// path. A plain value: the class that makes it frees it with `deallocate()` in its `deinit`.
struct RelabelByteStrings: @unchecked Sendable {
    private let table: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    private let bytes: UnsafeMutableRawBufferPointer

    /// Packs `strings` in order.
    init(_ strings: [[UInt8]]) {
        bytes = .allocate(byteCount: max(strings.reduce(0) { $0 + $1.count }, 1), alignment: 1)
        table = .allocate(capacity: max(strings.count, 1))
        var offset = 0
        for (i, string) in strings.enumerated() {
            let slice = UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<(offset + string.count)])
            slice.copyBytes(from: string)
            (table.baseAddress! + i).initialize(to: UnsafeRawBufferPointer(slice))
            offset += string.count
        }
        count = strings.count
    }

    /// Number of strings.
    let count: Int

    /// The bytes of string `index`.
    @inline(__always)
    subscript(index: Int) -> UnsafeRawBufferPointer { table[index] }

    /// True when one of the strings equals `subject`.
    @inline(__always)
    func contains(_ subject: UnsafeRawBufferPointer) -> Bool {
        for i in 0..<count where ByteOrder.equal(table[i], subject) { return true }
        return false
    }

    /// Frees the storage; the owner calls it once, in its `deinit`.
    func deallocate() {
        table.deallocate()
        bytes.deallocate()
    }
}
