/// A range of bytes inside a batch's arena.
public struct ByteSpan: Hashable, Sendable {
    /// Offset from the start of the arena.
    public var offset: UInt32
    /// Number of bytes.
    public var length: UInt32

    /// The empty span.
    public static let empty = ByteSpan(offset: 0, length: 0)

    public init(offset: UInt32, length: UInt32) {
        self.offset = offset
        self.length = length
    }

    public init(offset: Int, length: Int) {
        self.offset = UInt32(truncatingIfNeeded: offset)
        self.length = UInt32(truncatingIfNeeded: length)
    }
}
