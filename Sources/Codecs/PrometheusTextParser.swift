#if canImport(Glibc)
import Glibc
#endif

/// A streaming parser of the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0.
///
///     # HELP http_requests_total Requests.            ← skipped (name checked)
///     # TYPE http_requests_total counter              ← sets the family type
///     http_requests_total{code="200",path="/a\"b"} 1027 1395066363000
///     └─ name ──────────┘└─ labels (unescaped) ───┘ └val┘ └ts (0.0.4: ms; OpenMetrics: s)┘
///     # EOF                                           ← OpenMetrics: required, last
///
/// Fed a body in chunks of any size, it reports each complete line's sample and keeps only the
/// unfinished line, so a large body never becomes strings. A bad line is reported as `.malformed`
/// with its line number and skipped. Resumable: any split of the body gives the same events.
///
///     var parser = PrometheusTextParser(format: .openMetrics)
///     for chunk in body { chunk.withUnsafeBytes { parser.feed($0) { event in … } } }
///     parser.finish { event in … }
public struct PrometheusTextParser {
    /// A label's name (in the line) and value (in the line, or unescaped in scratch).
    struct LabelRange {
        var name: Range<Int>
        /// In the line's bytes, or in `scratch` when `unescaped` (the value had escapes).
        var value: Range<Int>
        var unescaped: Bool
    }

    /// The body's format.
    public let format: PrometheusTextFormat
    /// Lines longer than this are malformed (and skipped without being held).
    public let maxLineBytes: Int
    /// Complete lines seen so far.
    public private(set) var lineNumber = 0
    /// Whether an OpenMetrics `# EOF` was seen.
    public internal(set) var sawEOF = false
    /// The unfinished line carried over to the next chunk.
    private var pending: [UInt8] = []
    /// True while dropping the rest of an over-long line.
    private var skippingLongLine = false
    /// The current `# TYPE` / `# HELP` family.
    var familyName: [UInt8] = []
    var familyType: PrometheusMetricType
    /// Unescaped label values of the current line.
    var scratch: [UInt8] = []
    /// Labels of the current line.
    var labels: [LabelRange] = []
    /// Lines after `# EOF` already reported.
    private var reportedAfterEOF = false

    public init(format: PrometheusTextFormat, maxLineBytes: Int = 1 << 20) {
        self.format = format
        self.maxLineBytes = maxLineBytes
        familyType = format.defaultType
        scratch.reserveCapacity(256)
        labels.reserveCapacity(16)
    }

    /// Parses the complete lines of `chunk` (plus the unfinished line before it) and keeps the rest.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (PrometheusTextEvent) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let found = memchr(chunk.baseAddress! + start, Int32(UInt8(ascii: "\n")), chunk.count - start) else {
                carry(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let lf = UnsafeRawPointer(found) - chunk.baseAddress!
            lineNumber += 1
            if skippingLongLine {
                skippingLongLine = false
                tooLong(emit)
            } else if pending.count + (lf - start) > maxLineBytes {
                pending.removeAll(keepingCapacity: true)
                tooLong(emit)
            } else if pending.isEmpty {
                line(UnsafeRawBufferPointer(rebasing: chunk[start..<lf]), emit)
            } else {
                pending.append(contentsOf: chunk[start..<lf])
                linePending(emit)
            }
            start = lf + 1
        }
    }

    /// Ends the body: parses a last line without a newline and checks OpenMetrics' `# EOF`.
    public mutating func finish(_ emit: (PrometheusTextEvent) -> Void) {
        if skippingLongLine {
            lineNumber += 1
            skippingLongLine = false
            tooLong(emit)
        } else if !pending.isEmpty {
            lineNumber += 1
            linePending(emit)
        }
        if format == .openMetrics, !sawEOF {
            emit(.malformed(line: lineNumber, reason: "missing # EOF at the end of an OpenMetrics body"))
        }
    }

    /// Holds the start of an unfinished line, or starts skipping it once it is over `maxLineBytes`.
    private mutating func carry(_ bytes: UnsafeRawBufferPointer) {
        guard !skippingLongLine else { return }
        if pending.count + bytes.count > maxLineBytes {
            pending.removeAll(keepingCapacity: true)
            skippingLongLine = true
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    /// Parses the carried line (swapped out so `line` may mutate `self`) and empties it.
    private mutating func linePending(_ emit: (PrometheusTextEvent) -> Void) {
        var carried: [UInt8] = []
        swap(&carried, &pending)
        carried.withUnsafeBytes { line($0, emit) }
        carried.removeAll(keepingCapacity: true)
        swap(&carried, &pending)
    }

    private mutating func tooLong(_ emit: (PrometheusTextEvent) -> Void) {
        emit(.malformed(line: lineNumber, reason: "line longer than \(maxLineBytes) bytes"))
    }

    /// Parses one complete line (without its LF).
    private mutating func line(_ raw: UnsafeRawBufferPointer, _ emit: (PrometheusTextEvent) -> Void) {
        var bytes = raw
        if let last = bytes.last, last == UInt8(ascii: "\r") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        if sawEOF {
            guard !reportedAfterEOF, !bytes.isEmpty else { return }
            reportedAfterEOF = true
            emit(.malformed(line: lineNumber, reason: "data after # EOF"))
            return
        }
        guard let first = bytes.first(where: { !Self.isBlank($0) }) else { return }
        if first == UInt8(ascii: "#") {
            if let reason = directive(bytes) { emit(.malformed(line: lineNumber, reason: reason)) }
        } else {
            sample(bytes, emit)
        }
    }
}

extension PrometheusTextFormat {
    /// The type of samples outside any `# TYPE`d family.
    var defaultType: PrometheusMetricType { self == .openMetrics ? .unknown : .untyped }
}

