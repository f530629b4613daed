import Logging
import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// The config of `f` in a pipeline that must load without errors.
func metricTransformConfig<C: ComponentConfig>(_ type: String, _ options: String, as _: C.Type,
                                               file: StaticString = #filePath, line: UInt = #line) -> C? {
    let outcome = loadTransform(type, options)
    XCTAssertEqual(outcome.errors.map(\.description), [], file: file, line: line)
    return outcome.config?.component("f")?.config as? C
}

/// An l2met stage built from `options`, its counters and its log. Windows close exactly at
/// their end (`allowed_lateness: 0s`) unless `options` says otherwise; `clock` (Unix ns) is
/// what `finish` reads as the flush time.
func makeL2met(_ options: String = "", clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() },
               file: StaticString = #filePath, line: UInt = #line) -> (L2metTransform, ComponentMetrics, LogCapture) {
    let withLateness = options.contains("allowed_lateness") ? options
        : (options.isEmpty ? "allowed_lateness: 0s" : options + "\nallowed_lateness: 0s")
    let config = metricTransformConfig("l2met", withLateness, as: L2metTransformConfig.self, file: file, line: line)!
    let metrics = ComponentMetrics(id: "f")
    let logs = LogCapture()
    return (config.makeTransform(metrics: metrics, logger: logs.logger(), clock: clock), metrics, logs)
}

/// A log line as the Heroku drain hands it on: MSG as the message, header fields as known fields.
struct DrainLine {
    var timestamp: Int64
    var appname: String
    var procid: String
    var message: String
    var app: String?

    init(_ timestamp: Int64, _ appname: String, _ procid: String, _ message: String, app: String? = nil) {
        self.timestamp = timestamp
        self.appname = appname
        self.procid = procid
        self.message = message
        self.app = app
    }
}

func drainBatch(_ lines: [DrainLine]) -> EventBatch {
    var batch = LogBatch()
    for line in lines {
        let i = batch.append(timestamp: line.timestamp, message: line.message)
        var fields: [(KnownField, String)] = [(.hostname, "host"), (.appname, line.appname), (.procid, line.procid), (.msgid, "-")]
        if let app = line.app { fields.append((.app, app)) }
        for (field, value) in fields { Array(value.utf8).withUnsafeBytes { batch.setField(i, field, bytes: $0) } }
    }
    return .logs(batch)
}

/// Runs `stage` over one batch and returns what it emitted.
func runTransform(_ stage: inout some TransformStage, _ batch: EventBatch) -> [EventBatch] {
    var output = TransformOutput()
    stage.process(batch, into: &output)
    return output.batches.map(\.batch)
}

/// What one flush emitted: sorted `name{labels} value` lines and the distinct timestamps (ms).
struct Emitted {
    var lines: [String]
    var timestamps: [Int64]
    var batchCount: Int
}

func tick(_ stage: inout some TransformStage, _ now: Int64) -> Emitted {
    var output = TransformOutput()
    stage.tick(now: now, into: &output)
    return emitted(output.batches.map(\.batch))
}

func emitted(_ batches: [EventBatch]) -> Emitted {
    var timestamps = Set<Int64>()
    for case .metrics(let m) in batches { m.records.forEach { timestamps.insert($0.timestamp) } }
    return Emitted(lines: renderSamples(batches), timestamps: timestamps.sorted(), batchCount: batches.count)
}

/// Every sample as `name{a="x",b="y"} value` (labels in stored order; `kind` appended when asked), sorted.
func renderSamples(_ batches: [EventBatch], kinds: Bool = false) -> [String] {
    var lines: [String] = []
    for case .metrics(let m) in batches {
        for i in 0..<m.count {
            let labels = m.labelPairs(i).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
            var line = m.name(i) + (labels.isEmpty ? "" : "{\(labels)}") + " " + renderValue(m.records[i].value)
            if kinds { line += " " + m.records[i].kind.name }
            lines.append(line)
        }
    }
    return lines.sorted()
}

func renderValue(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

/// Checks of the harness itself.
final class L2metHarnessTests: XCTestCase {
    func testDrainBatchCarriesTheHeaderAsKnownFields() throws {
        guard case .logs(let logs) = drainBatch([DrainLine(5, "heroku", "router", "at=info", app: "shop")]) else {
            return XCTFail("not logs")
        }
        XCTAssertEqual(logs.message(0), "at=info")
        XCTAssertEqual(logs.records[0].timestamp, 5)
        XCTAssertEqual(logs.field(0, .procid).map(logs.literal), .string("router"))
        XCTAssertEqual(logs.field(0, .appname).map(logs.literal), .string("heroku"))
        XCTAssertEqual(logs.field(0, .app).map(logs.literal), .string("shop"))
    }

    func testRenderSortsAndFormats() {
        var m = MetricBatch()
        m.append(name: "b", labels: [("x", "1")], value: 0.5, timestamp: 0, kind: .gauge)
        m.append(name: "a", value: 3, timestamp: 0, kind: .counter)
        XCTAssertEqual(renderSamples([.metrics(m)], kinds: true), ["a 3 counter", #"b{x="1"} 0.5 gauge"#])
    }
}
