extension PrometheusTextParser {
    /// A `#` line: `# HELP`, `# TYPE`, `# UNIT`, `# EOF`, or a comment. Returns why it is malformed.
    mutating func directive(_ b: UnsafeRawBufferPointer) -> String? {
        var i = b.firstIndex(of: UInt8(ascii: "#"))! + 1
        guard i < b.count, Self.isBlank(b[i]) else { return nil }
        let keyword = Self.token(b, &i)
        if keyword.elementsEqual("EOF".utf8), format == .openMetrics {
            guard Self.token(b, &i).isEmpty else { return "text after # EOF" }
            sawEOF = true
            return nil
        }
        let isHelp = keyword.elementsEqual("HELP".utf8), isType = keyword.elementsEqual("TYPE".utf8)
        let isUnit = keyword.elementsEqual("UNIT".utf8) && format == .openMetrics
        guard isHelp || isType || isUnit else { return nil }
        let name = Self.token(b, &i)
        guard Self.isMetricName(name) else { return "invalid metric name in # \(String(decoding: keyword, as: UTF8.self))" }
        if isType {
            let word = Self.token(b, &i)
            guard let type = PrometheusMetricType(word, format: format) else {
                return "unknown metric type \"\(String(decoding: word, as: UTF8.self))\""
            }
            // Exactly two tokens follow TYPE (the format's rule; Prometheus refuses more).
            guard i == b.count else { return "text after the type in # TYPE" }
            setFamily(name, type)
        } else if !familyName.withUnsafeBytes({ ByteOrder.equal(name, $0) }) {
            setFamily(name, format.defaultType)
        }
        return nil
    }

    /// A sample line: `name[{labels}] value [timestamp] [# exemplar]`.
    mutating func sample(_ b: UnsafeRawBufferPointer, _ emit: (PrometheusTextEvent) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        let n = b.count
        var i = 0
        Self.skipBlanks(b, &i)
        let nameStart = i
        while i < n, PrometheusName.isNameByte(b[i]) { i += 1 }
        let name = UnsafeRawBufferPointer(rebasing: b[nameStart..<i])
        guard Self.isMetricName(name), i == n || b[i] == UInt8(ascii: "{") || Self.isBlank(b[i]) else {
            return emit(.malformed(line: lineNumber, reason: "invalid metric name"))
        }
        Self.skipBlanks(b, &i)
        if i < n, b[i] == UInt8(ascii: "{") {
            if let reason = labelSet(b, &i) { return emit(.malformed(line: lineNumber, reason: reason)) }
            Self.skipBlanks(b, &i)
        }
        let valueText = Self.token(b, &i)
        guard let value = Self.parseValue(valueText) else {
            let reason = valueText.isEmpty ? "missing value" : "invalid value \"\(String(decoding: valueText, as: UTF8.self))\""
            return emit(.malformed(line: lineNumber, reason: reason))
        }
        var timestamp: Int64?
        if i < n, b[i] != UInt8(ascii: "#") || format == .prometheus004 {
            let text = Self.token(b, &i)
            timestamp = format == .openMetrics ? Self.parseSecondsAsMilliseconds(text) : Self.parseMilliseconds(text)
            guard timestamp != nil else {
                return emit(.malformed(line: lineNumber, reason: "invalid timestamp \"\(String(decoding: text, as: UTF8.self))\""))
            }
        }
        // What remains may only be an OpenMetrics exemplar (` # {trace_id="…"} 1 …`), which is skipped.
        if i < n, b[i] != UInt8(ascii: "#") || format == .prometheus004 {
            return emit(.malformed(line: lineNumber, reason: "unexpected text after the sample"))
        }
        let sample = (name: name, value: value, timestamp: timestamp, type: type(of: name))
        labels.withUnsafeBufferPointer { ranges in
            scratch.withUnsafeBytes { unescaped in
                emit(.sample(PrometheusSample(name: sample.name, value: sample.value, timestamp: sample.timestamp,
                                              type: sample.type, lineBytes: b,
                                              scratch: unescaped, labelRanges: ranges)))
            }
        }
    }

    /// `{name="value",…}` from `i` (at `{`), unescaping `\\`, `\"` and `\n` into `scratch`.
    private mutating func labelSet(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> String? {
        let n = b.count
        i += 1
        while true {
            Self.skipBlanks(b, &i)
            guard i < n else { return "unterminated label set" }
            if b[i] == UInt8(ascii: "}") { i += 1; return nil }
            let nameStart = i
            while i < n, PrometheusName.isLabelNameByte(b[i]) { i += 1 }
            guard i > nameStart, b[nameStart] &- UInt8(ascii: "0") >= 10 else { return "invalid label name" }
            let name = nameStart..<i
            let nameBytes = UnsafeRawBufferPointer(rebasing: b[name])
            if labels.contains(where: { ByteOrder.equal(UnsafeRawBufferPointer(rebasing: b[$0.name]), nameBytes) }) {
                return "duplicate label \(String(decoding: b[name], as: UTF8.self))"
            }
            Self.skipBlanks(b, &i)
            guard i < n, b[i] == UInt8(ascii: "=") else { return "expected = after label name" }
            i += 1
            Self.skipBlanks(b, &i)
            guard i < n, b[i] == UInt8(ascii: "\"") else { return "expected \" to open a label value" }
            i += 1
            guard let value = labelValue(b, &i) else { return "unterminated label value" }
            labels.append(LabelRange(name: name, value: value.range, unescaped: value.unescaped))
            Self.skipBlanks(b, &i)
            guard i < n else { return "unterminated label set" }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return nil }
            return "expected , or } after a label value"
        }
    }

    /// The label value from `i` (after its opening quote) to its closing quote, `i` left after
    /// the quote: a range of the line when it has no escape, else its unescaped bytes' range in
    /// `scratch`; nil when the line ends first.
    private mutating func labelValue(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> (range: Range<Int>, unescaped: Bool)? {
        let start = i
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\") { return unescape(b, from: start, &i) }
            if c == UInt8(ascii: "\"") {
                i += 1
                return (start..<(i - 1), false)
            }
            i += 1
        }
        return nil
    }

    /// Copies the value from `start` into `scratch`, unescaping `\\`, `\"` and `\n` (others are
    /// kept as written, as Prometheus does); `i` is at the first backslash.
    private mutating func unescape(_ b: UnsafeRawBufferPointer, from start: Int, _ i: inout Int) -> (range: Range<Int>, unescaped: Bool)? {
        let valueStart = scratch.count
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[start..<i]))
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return (valueStart..<scratch.count, true)
            }
            if c == UInt8(ascii: "\\"), i + 1 < b.count {
                switch b[i + 1] {
                case UInt8(ascii: "n"): scratch.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): scratch.append(b[i + 1])
                default: scratch.append(c); scratch.append(b[i + 1])
                }
                i += 2
                continue
            }
            scratch.append(c)
            i += 1
        }
        return nil
    }

    /// The family type of sample `name`: the current family's when the name is the family name or
    /// it plus one of the type's suffixes (`_bucket`, `_total`, …), else untyped/unknown.
    private func type(of name: UnsafeRawBufferPointer) -> PrometheusMetricType {
        guard !familyName.isEmpty, name.count >= familyName.count,
              familyName.withUnsafeBytes({ ByteOrder.equal(UnsafeRawBufferPointer(rebasing: name[..<$0.count]), $0) })
        else { return format.defaultType }
        let rest = UnsafeRawBufferPointer(rebasing: name[familyName.count...])
        if rest.isEmpty { return familyType }
        for suffix in familyType.sampleSuffixes where ByteOrder.equal(
            rest, UnsafeRawBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)) {
            return familyType
        }
        return format.defaultType
    }

    private mutating func setFamily(_ name: UnsafeRawBufferPointer, _ type: PrometheusMetricType) {
        familyName.removeAll(keepingCapacity: true)
        familyName.append(contentsOf: name)
        familyType = type
    }

    static func isBlank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }

    static func skipBlanks(_ b: UnsafeRawBufferPointer, _ i: inout Int) {
        while i < b.count, isBlank(b[i]) { i += 1 }
    }

    /// The next blank-delimited token from `i` (after blanks), leaving `i` after the blanks behind it.
    static func token(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> UnsafeRawBufferPointer {
        skipBlanks(b, &i)
        let start = i
        while i < b.count, !isBlank(b[i]) { i += 1 }
        let word = UnsafeRawBufferPointer(rebasing: b[start..<i])
        skipBlanks(b, &i)
        return word
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let first = b.first, first &- UInt8(ascii: "0") >= 10 else { return false }
        return b.allSatisfy(PrometheusName.isNameByte)
    }
}
