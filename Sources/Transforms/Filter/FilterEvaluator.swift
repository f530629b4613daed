import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Evaluates a `FilterCondition` against one event of a batch, on bytes.
enum FilterEvaluator {
    private static let nameField = FieldName("name")
    private static let valueField = FieldName("value")
    private static let kindField = FieldName("kind")

    static func matches(_ c: FilterCondition, logs: LogBatch, _ i: Int) -> Bool {
        switch c {
        case .all(let cs): return cs.allSatisfy { matches($0, logs: logs, i) }
        case .any(let cs): return cs.contains { matches($0, logs: logs, i) }
        case .not(let inner): return !matches(inner, logs: logs, i)
        case .test(let target, let op):
            let value: FieldValue?
            switch target {
            case .message: value = .bytes(logs.records[i].message)
            case .field(let name): value = logs.field(i, name)
            // On a log event, `name`, `value` and `kind` are ordinary fields.
            case .metricName: value = logs.field(i, nameField)
            case .metricValue: value = logs.field(i, valueField)
            case .metricKind: value = logs.field(i, kindField)
            case .label: value = nil
            }
            guard let value else { return isExistsFalse(op) }
            switch value {
            case .bytes(let span): return logs.withBytes(span) { test(op, bytes: $0) }
            case .int(let v): return test(op, number: Double(v))
            case .double(let v): return test(op, number: v)
            case .bool(let v):
                // Compared as 1/0; matched as text the way it is written (`equals: true`).
                if case .compare = op { return test(op, number: v ? 1 : 0) }
                var text = v ? "true" : "false"
                return text.withUTF8 { test(op, bytes: UnsafeRawBufferPointer($0)) }
            }
        }
    }

    static func matches(_ c: FilterCondition, metrics: MetricBatch, _ i: Int) -> Bool {
        switch c {
        case .all(let cs): return cs.allSatisfy { matches($0, metrics: metrics, i) }
        case .any(let cs): return cs.contains { matches($0, metrics: metrics, i) }
        case .not(let inner): return !matches(inner, metrics: metrics, i)
        case .test(let target, let op):
            let record = metrics.records[i]
            switch target {
            case .metricName: return metrics.withBytes(record.name) { test(op, bytes: $0) }
            case .metricValue: return test(op, number: record.value)
            case .metricKind:
                var kind = record.kind.name
                return kind.withUTF8 { test(op, bytes: UnsafeRawBufferPointer($0)) }
            case .label(let name):
                let label = name.withUnsafeBytes { n in metrics.labels(of: i).first { l in metrics.withBytes(l.name) { equal($0, n) } } }
                guard let label else { return isExistsFalse(op) }
                return metrics.withBytes(label.value) { test(op, bytes: $0) }
            case .message, .field:
                return isExistsFalse(op)
            }
        }
    }

    /// What a test says when its target is absent: only `exists: false` and `not_equals` hold.
    private static func isExistsFalse(_ op: FilterCondition.Operator) -> Bool {
        switch op {
        case .exists(let wanted): return !wanted
        case .notEquals: return true
        default: return false
        }
    }

    private static func test(_ op: FilterCondition.Operator, bytes: UnsafeRawBufferPointer) -> Bool {
        switch op {
        case .equals(let options): return options.contains { o in o.withUnsafeBytes { equal(bytes, $0) } }
        case .notEquals(let o): return !o.withUnsafeBytes { equal(bytes, $0) }
        case .contains(let o): return o.withUnsafeBytes { find(bytes, $0) }
        case .startsWith(let o): return o.count <= bytes.count && o.withUnsafeBytes { equal(UnsafeRawBufferPointer(rebasing: bytes.prefix(o.count)), $0) }
        case .endsWith(let o): return o.count <= bytes.count && o.withUnsafeBytes { equal(UnsafeRawBufferPointer(rebasing: bytes.suffix(o.count)), $0) }
        case .exists(let wanted): return wanted
        case .compare(let c, let limit):
            guard let number = Double(String(decoding: bytes, as: UTF8.self)) else { return false }
            return compare(c, number, limit)
        }
    }

    private static func test(_ op: FilterCondition.Operator, number: Double) -> Bool {
        switch op {
        case .compare(let c, let limit): return compare(c, number, limit)
        case .exists(let wanted): return wanted
        default:
            var text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            return text.withUTF8 { test(op, bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private static func compare(_ c: FilterCondition.Comparison, _ a: Double, _ b: Double) -> Bool {
        switch c {
        case .gt: a > b
        case .gte: a >= b
        case .lt: a < b
        case .lte: a <= b
        }
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    private static func find(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        guard needle.count > 0 else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, memcmp(haystack.baseAddress! + i, needle.baseAddress!, needle.count) == 0 { return true }
            i += 1
        }
        return false
    }
}
