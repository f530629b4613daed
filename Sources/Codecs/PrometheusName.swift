/// Prometheus' rules for metric and label names, by byte: the checks config validation runs
/// and the byte classes `l2met` sanitises names with. Shared by the transforms and the relabel
/// engine (`Relabeling`), which is why it sits here rather than in `Transforms/Common`.
///
/// Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`
/// (https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels).
package enum PrometheusName {
    package static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    package static func isAlphanumeric(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z"))
    }

    /// `[a-zA-Z0-9_:]`: a byte a metric name may hold.
    @inline(__always)
    package static func isNameByte(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_]`: a byte a label name may hold.
    @inline(__always)
    package static func isLabelNameByte(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == UInt8(ascii: "_")
    }

    /// True when `name` is a valid metric name (or name prefix when `allowEmpty`).
    package static func isValidMetricName<Bytes: Collection<UInt8>>(_ name: Bytes, allowEmpty: Bool = false) -> Bool {
        guard let first = name.first else { return allowEmpty }
        return !isDigit(first) && name.allSatisfy(isNameByte)
    }

    /// True when `name` is a valid label name.
    package static func isValidLabelName<Bytes: Collection<UInt8>>(_ name: Bytes) -> Bool {
        guard let first = name.first, !isDigit(first) else { return false }
        return name.allSatisfy(isLabelNameByte)
    }

    /// True when `name` is a valid metric name (or name prefix when `allowEmpty`).
    package static func isValidMetricName(_ name: String, allowEmpty: Bool = false) -> Bool {
        isValidMetricName(name.utf8, allowEmpty: allowEmpty)
    }

    /// True when `name` is a valid label name.
    package static func isValidLabelName(_ name: String) -> Bool { isValidLabelName(name.utf8) }
}
