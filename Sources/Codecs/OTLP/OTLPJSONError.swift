/// Why an OTLP/JSON body could not be transcoded: what is wrong, at which byte of the body,
/// and in which field when the JSON is well formed but a value does not fit its field.
///
/// `invalid JSON at byte 123: expected ':'`, `field spanId: expected 16 hex digits (at byte 57)`.
package struct OTLPJSONError: Error, Equatable, CustomStringConvertible {
    /// Offset in the body of the byte (or the value) the problem was found at.
    package let offset: Int
    /// The lowerCamelCase name of the field whose value is wrong; nil for a JSON syntax error.
    package let field: String?
    package let reason: String

    package init(offset: Int, field: String? = nil, reason: String) {
        self.offset = offset
        self.field = field
        self.reason = reason
    }

    package var description: String {
        if let field { "field \(field): \(reason) (at byte \(offset))" } else { "invalid JSON at byte \(offset): \(reason)" }
    }
}
