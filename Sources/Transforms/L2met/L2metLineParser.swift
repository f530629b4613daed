import Codecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One log line as l2met sees it: the syslog MSG and header fields, as bytes in the batch arena.
struct L2metLine {
    var message: UnsafeRawBufferPointer
    /// The syslog PROCID (`web.1`, `router`, `logplex`); empty when absent.
    var procid: UnsafeRawBufferPointer
    /// The syslog APP-NAME (`app`, `heroku`); empty when absent.
    var appname: UnsafeRawBufferPointer
    /// The drain's app name (field `app`); empty when absent.
    var app: UnsafeRawBufferPointer
    /// Unix ns.
    var timestamp: Int64
}

/// Finds the l2met metrics of one line and hands them to the aggregator.
///
/// Three shapes (PROTOCOLS.md, "Heroku logplex HTTPS drains" and "l2met semantics"):
/// - Heroku router lines (procid `router`, app-name `heroku`): `connect=`, `service=`,
///   `bytes=` become measures `router.connect`, `router.service`, `router.bytes` labelled by
///   `status_class` and the line's `dyno=`; an empty value (`connect=` on H12 lines) is no sample.
/// - logplex L10 notices (procid `logplex`): `Error L10 (output buffer overflow): N messages
///   dropped since …` adds N to `logplex.dropped_messages` (a count).
/// - Any other line: `measure#`, `sample#`, `count#`, `unique#`, legacy `measure.NAME`, and
///   `measure=NAME val=V units=U`, labelled `source` (`source=`), `app`, `dyno` (the PROCID).
struct L2metLineParser {
    let naming: L2metNaming
    let problems: MetricTransformProblems
    private var pairs: [LogfmtScanner.Pair] = []
    private var key: [UInt8] = []

    init(naming: L2metNaming, problems: MetricTransformProblems) {
        self.naming = naming
        self.problems = problems
        pairs.reserveCapacity(32)
        key.reserveCapacity(256)
    }

    /// Records every metric of `line`.
    mutating func parse(_ line: L2metLine, into aggregator: inout L2metAggregator) {
        let fromHeroku = line.appname.isEmpty || Self.equal(line.appname, Self.heroku)
        if fromHeroku, Self.equal(line.procid, Self.router) {
            router(line, into: &aggregator)
        } else if fromHeroku, Self.equal(line.procid, Self.logplex) {
            overflowNotice(line, into: &aggregator)
        } else if Self.mayHoldMetrics(line.message) {
            conventions(line, into: &aggregator)
        }
    }

    private mutating func router(_ line: L2metLine, into aggregator: inout L2metAggregator) {
        let message = line.message
        var scanner = LogfmtScanner(message)
        var connect = 0..<0, service = 0..<0, bytes = 0..<0
        var labels = DynamicValues()
        labels[.app] = line.app
        var status: UInt8 = 0
        while let pair = scanner.next() {
            let key = UnsafeRawBufferPointer(rebasing: message[pair.key])
            if Self.equal(key, Self.connect) { connect = pair.value }
            else if Self.equal(key, Self.service) { service = pair.value }
            else if Self.equal(key, Self.bytesKey) { bytes = pair.value }
            else if Self.equal(key, Self.dyno) { labels[.dyno] = UnsafeRawBufferPointer(rebasing: message[pair.value]) }
            else if Self.equal(key, Self.status), let first = pair.value.first.map({ message[$0] }),
                    PrometheusName.isDigit(first) { status = first }
        }
        if status != 0 { labels[.statusClass] = Self.bytes(Self.statusClasses[Int(status - UInt8(ascii: "0"))]) }
        let timestamp = line.timestamp
        if !connect.isEmpty {
            record(.measure, name: Self.bytes(Self.routerConnect), value: UnsafeRawBufferPointer(rebasing: message[connect]),
                   labels: labels, timestamp: timestamp, into: &aggregator)
        }
        if !service.isEmpty {
            record(.measure, name: Self.bytes(Self.routerService), value: UnsafeRawBufferPointer(rebasing: message[service]),
                   labels: labels, timestamp: timestamp, into: &aggregator)
        }
        if !bytes.isEmpty {
            record(.measure, name: Self.bytes(Self.routerBytes), value: UnsafeRawBufferPointer(rebasing: message[bytes]),
                   labels: labels, timestamp: timestamp, into: &aggregator)
        }
    }

    private mutating func overflowNotice(_ line: L2metLine, into aggregator: inout L2metAggregator) {
        let message = line.message
        let start = Self.l10.utf8CodeUnitCount
        guard message.count > start, Self.equal(UnsafeRawBufferPointer(rebasing: message[..<start]), Self.l10) else { return }
        var end = start
        while end < message.count, PrometheusName.isDigit(message[end]) { end += 1 }
        guard end > start else { return }
        var labels = DynamicValues()
        labels[.app] = line.app
        record(.count, name: Self.bytes(Self.logplexDropped), value: UnsafeRawBufferPointer(rebasing: message[start..<end]),
               labels: labels, timestamp: line.timestamp, into: &aggregator)
    }

    private mutating func conventions(_ line: L2metLine, into aggregator: inout L2metAggregator) {
        let message = line.message
        pairs.removeAll(keepingCapacity: true)
        var scanner = LogfmtScanner(message)
        var labels = DynamicValues()
        labels[.app] = line.app
        labels[.dyno] = line.procid
        while let pair = scanner.next() {
            pairs.append(pair)
            if Self.equal(UnsafeRawBufferPointer(rebasing: message[pair.key]), Self.source) {
                labels[.source] = UnsafeRawBufferPointer(rebasing: message[pair.value])
            }
        }
        var oldName = 0..<0, oldValue = 0..<0, oldUnits: Range<Int>?
        for pair in pairs {
            let key = UnsafeRawBufferPointer(rebasing: message[pair.key])
            let value = UnsafeRawBufferPointer(rebasing: message[pair.value])
            guard let first = key.first else { continue }
            let kind: L2metKind
            let prefix: Int
            switch first {
            case UInt8(ascii: "m"):
                if Self.hasPrefix(key, Self.measureHash) || Self.hasPrefix(key, Self.measureDot) {
                    kind = .measure
                    prefix = 8
                } else {
                    if Self.equal(key, Self.measure) { oldName = pair.value }
                    continue
                }
            case UInt8(ascii: "s") where Self.hasPrefix(key, Self.sampleHash):
                kind = .sample
                prefix = 7
            case UInt8(ascii: "c") where Self.hasPrefix(key, Self.countHash):
                kind = .count
                prefix = 6
            case UInt8(ascii: "u") where Self.hasPrefix(key, Self.uniqueHash):
                kind = .unique
                prefix = 7
            case UInt8(ascii: "u") where Self.equal(key, Self.units): oldUnits = pair.value; continue
            case UInt8(ascii: "v") where Self.equal(key, Self.val): oldValue = pair.value; continue
            default: continue
            }
            record(kind, name: UnsafeRawBufferPointer(rebasing: key[prefix...]), value: value,
                   labels: labels, timestamp: line.timestamp, into: &aggregator)
        }
        if !oldName.isEmpty {
            // The oldest form: `measure=NAME val=V units=U` (`val` absent: 1; `units` wins over a suffix).
            record(.measure, name: UnsafeRawBufferPointer(rebasing: message[oldName]),
                   value: UnsafeRawBufferPointer(rebasing: message[oldValue]),
                   unit: oldUnits.map { UnsafeRawBufferPointer(rebasing: message[$0]) },
                   labels: labels, timestamp: line.timestamp, into: &aggregator)
        }
    }

    /// Parses `value`, builds the series key and records the value.
    private mutating func record(_ kind: L2metKind, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                                 unit: UnsafeRawBufferPointer? = nil, labels: DynamicValues, timestamp: Int64,
                                 into aggregator: inout L2metAggregator) {
        var number = 0.0
        var unitBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        var uniqueHash: UInt64 = 0
        if kind == .unique {
            uniqueHash = MetricSeriesIndex.hash(value)
        } else {
            guard let parsed = NumberWithUnit.parse(value, allowNegative: kind == .sample) else {
                problems.invalidValue("\(Self.kindPrefix(kind))\(String(decoding: name, as: UTF8.self))="
                                      + "\(String(decoding: value, as: UTF8.self))")
                return
            }
            number = parsed.number
            unitBytes = unit ?? UnsafeRawBufferPointer(rebasing: value[parsed.unit])
        }
        key.removeAll(keepingCapacity: true)
        key.append(kind.rawValue)
        guard let conversion = naming.append(name: name, unit: unitBytes, total: kind == .count, into: &key) else { return }
        key.append(0)
        let labelStart = key.count
        L2metLabels.encode(labels, into: &key)
        let recorded = key.withUnsafeBytes { key in
            aggregator.observe(key: key, hash: MetricSeriesIndex.hash(key), labelStart: labelStart,
                               value: conversion.normalize(number), uniqueHash: uniqueHash, timestamp: timestamp)
        }
        if !recorded {
            problems.seriesDropped(String(decoding: key[1..<(labelStart - 1)], as: UTF8.self))
        }
    }

    /// A cheap pre-check: no `#` and no `measure` means no metric (most plain app lines).
    static func mayHoldMetrics(_ message: UnsafeRawBufferPointer) -> Bool {
        guard let base = message.baseAddress, message.count > 0 else { return false }
        if memchr(base, Int32(UInt8(ascii: "#")), message.count) != nil { return true }
        let needle = measure.utf8CodeUnitCount
        var from = 0
        while from + needle <= message.count,
              let hit = memchr(base + from, Int32(UInt8(ascii: "m")), message.count - from - needle + 1) {
            if memcmp(hit, measure.utf8Start, needle) == 0 { return true }
            from = UnsafeRawPointer(hit) - base + 1
        }
        return false
    }

    private static func kindPrefix(_ kind: L2metKind) -> String {
        switch kind {
        case .measure: "measure#"
        case .count: "count#"
        case .sample: "sample#"
        case .unique: "unique#"
        }
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        a.count == b.utf8CodeUnitCount && (a.count == 0 || memcmp(a.baseAddress!, b.utf8Start, a.count) == 0)
    }

    private static func hasPrefix(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        a.count > b.utf8CodeUnitCount && memcmp(a.baseAddress!, b.utf8Start, b.utf8CodeUnitCount) == 0
    }

    /// The bytes of a string literal, which live as long as the program.
    static func bytes(_ s: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }

    private static let statusClasses: [StaticString] = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"]

    private static let heroku: StaticString = "heroku", router: StaticString = "router", logplex: StaticString = "logplex"
    private static let connect: StaticString = "connect", service: StaticString = "service", bytesKey: StaticString = "bytes"
    private static let dyno: StaticString = "dyno", status: StaticString = "status", source: StaticString = "source"
    private static let routerConnect: StaticString = "router.connect", routerService: StaticString = "router.service"
    private static let routerBytes: StaticString = "router.bytes"
    private static let logplexDropped: StaticString = "logplex.dropped_messages"
    private static let l10: StaticString = "Error L10 (output buffer overflow): "
    private static let measureHash: StaticString = "measure#", measureDot: StaticString = "measure."
    private static let sampleHash: StaticString = "sample#", countHash: StaticString = "count#"
    private static let uniqueHash: StaticString = "unique#"
    private static let measure: StaticString = "measure", val: StaticString = "val", units: StaticString = "units"
}
