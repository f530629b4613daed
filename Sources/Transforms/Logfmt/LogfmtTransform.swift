import Codecs
import Pipeline

/// `logfmt`: parses `key=value` / `key="quoted value"` pairs of a log's message into fields.
///
/// - field (string, default message): what to parse; a field holding bytes, or the message.
///
/// Keys and unescaped values point into the message bytes already in the batch arena;
/// only quoted values with escapes are copied. A later pair with the same key wins.
public struct LogfmtTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "logfmt", role: .transform, accepts: .log,
                                                    produces: .fixed(.log)) { LogfmtTransformConfig(reader: $0) }

    let field: FieldName

    init(reader: ConfigReader) {
        field = FieldName(reader.string("field") ?? "message")
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(LogfmtTransform(field: field))
    }
}

public struct LogfmtTransform: TransformStage {
    let field: FieldName
    private var pairs: [LogfmtScanner.Pair] = []
    /// Reused for unescaping quoted values, so an escaped value costs no allocation.
    private var scratch: [UInt8] = []

    public init(field: FieldName) {
        self.field = field
        pairs.reserveCapacity(32)
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        guard var logs = batch.takeLogs() else { return output.emit(batch) }
        for i in 0..<logs.count { parse(&logs, i) }
        output.emit(.logs(logs))
    }

    /// Adds the pairs of event `i` as fields.
    public mutating func parse(_ logs: inout LogBatch, _ i: Int) {
        let source: ByteSpan
        if field.isMessage {
            source = logs.records[i].message
        } else if case .bytes(let span) = logs.field(i, field) {
            source = span
        } else {
            return
        }
        pairs.removeAll(keepingCapacity: true)
        logs.withBytes(source) { bytes in
            var scanner = LogfmtScanner(bytes)
            while let pair = scanner.next() { pairs.append(pair) }
        }
        let base = Int(source.offset)
        for pair in pairs where !pair.key.isEmpty {
            let key = ByteSpan(offset: base + pair.key.lowerBound, length: pair.key.count)
            var value = ByteSpan(offset: base + pair.value.lowerBound, length: pair.value.count)
            if pair.hasEscapes {
                scratch.removeAll(keepingCapacity: true)
                logs.withBytes(value) { raw in LogfmtScanner.unescape(raw) { scratch.append(contentsOf: $0) } }
                value = scratch.withUnsafeBytes { logs.store($0) }
            }
            logs.setField(i, keySpan: key, .bytes(value))
        }
    }
}
