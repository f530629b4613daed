/// The value of a log field. Byte values live in the batch arena.
public enum FieldValue: Equatable, Sendable {
    case bytes(ByteSpan)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// A field value detached from any batch, for configuration, tests and tap output.
public enum FieldLiteral: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        }
    }
}
