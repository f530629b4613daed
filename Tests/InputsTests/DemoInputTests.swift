@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class DemoInputTests: XCTestCase {
    private func messages(seed: UInt64, count: Int, from position: Int = 0) -> [String] {
        let input = DemoInput(rate: 0, count: 0, seed: seed)
        var batch = LogBatch(capacity: count)
        _ = input.fill(&batch, count: count, from: position)
        return batch.messages
    }

    func testSameSeedGivesSameMessages() {
        let a = messages(seed: 7, count: 2000)
        let b = messages(seed: 7, count: 2000)
        XCTAssertEqual(a.count, 2000)
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(Set(a).count, 1500, "lines should vary")
    }

    func testDifferentSeedGivesDifferentMessages() {
        let a = messages(seed: 1, count: 500)
        let b = messages(seed: 2, count: 500)
        XCTAssertNotEqual(a, b)
        let same = zip(a, b).filter { $0 == $1 }.count
        XCTAssertLessThan(same, 10, "two seeds should give mostly different lines")
    }

    func testFillSetsSyslogFields() {
        let input = DemoInput(rate: 0, count: 0, seed: 42)
        var batch = LogBatch()
        let before = WallClock.nanoseconds()
        _ = input.fill(&batch, count: 300, from: 0)
        let after = WallClock.nanoseconds()
        for i in 0..<batch.count {
            XCTAssertEqual(batch.field(i, .facility), .int(19))
            XCTAssertEqual(batch.field(i, .severity), .int(6))
            let appname = batch.stringField(i, .appname)
            let procid = batch.stringField(i, .procid)
            XCTAssertTrue(appname == "heroku" || appname == "app", "appname \(appname ?? "nil")")
            XCTAssertNotNil(procid)
            XCTAssertTrue(procid == "router" || procid!.hasPrefix("web."), "procid \(procid!)")
            let ts = batch.records[i].timestamp
            XCTAssertTrue(ts >= before && ts <= after + 1000, "timestamp \(ts) is now")
            XCTAssertFalse(batch.message(i).isEmpty)
        }
        // Timestamps increase within a batch, so events keep their order when sorted.
        XCTAssertEqual(batch.records.map(\.timestamp), batch.records.map(\.timestamp).sorted())
    }

    func testMixOverThePool() {
        let input = DemoInput(rate: 0, count: 0, seed: 42)
        let poolSize = input.generator.pool.count
        XCTAssertEqual(poolSize, 4096)
        var batch = LogBatch(capacity: poolSize)
        _ = input.fill(&batch, count: poolSize, from: 0)
        var router = 0, runtime = 0, app = 0
        for i in 0..<batch.count {
            let appname = batch.stringField(i, .appname), procid = batch.stringField(i, .procid)
            if procid == "router" {
                XCTAssertEqual(appname, "heroku")
                XCTAssertTrue(batch.message(i).hasPrefix("at="), batch.message(i))
                router += 1
            } else if appname == "heroku" {
                XCTAssertTrue(batch.message(i).hasPrefix("source=web."), batch.message(i))
                runtime += 1
            } else {
                XCTAssertEqual(appname, "app")
                app += 1
            }
        }
        let share = { (n: Int) in Double(n) / Double(poolSize) }
        XCTAssertEqual(share(router), 0.6, accuracy: 0.03)
        XCTAssertEqual(share(runtime), 0.2, accuracy: 0.03)
        XCTAssertEqual(share(app), 0.2, accuracy: 0.03)
    }

    func testRouterLinesCarryHerokuFields() {
        let input = DemoInput(rate: 0, count: 0, seed: 3)
        let routerLines = input.generator.pool.filter { $0.procid == Array("router".utf8) }
            .map { String(decoding: $0.message, as: UTF8.self) }
        XCTAssertFalse(routerLines.isEmpty)
        for line in routerLines {
            for key in ["at=", "method=", "path=\"", "host=", "request_id=", "fwd=\"", "dyno=web.", "connect=",
                        "service=", "status=", "bytes=", "protocol=https"] {
                XCTAssertTrue(line.contains(key), "\(key) missing in \(line)")
            }
        }
        // 503s are timeouts with an empty connect= and an H12 code.
        let timeouts = routerLines.filter { $0.contains("status=503") }
        XCTAssertFalse(timeouts.isEmpty)
        for line in timeouts {
            XCTAssertTrue(line.contains("at=error code=H12 desc=\"Request timeout\""), line)
            XCTAssertTrue(line.contains(" connect= service=30000ms"), line)
        }
    }

    func testFillWrapsAroundThePool() {
        let input = DemoInput(rate: 0, count: 0, seed: 42)
        let poolSize = input.generator.pool.count
        var batch = LogBatch()
        let next = input.fill(&batch, count: 10, from: poolSize - 4)
        XCTAssertEqual(next, 6)
        let expected = (Array(poolSize - 4..<poolSize) + Array(0..<6)).map {
            String(decoding: input.generator.pool[$0].message, as: UTF8.self)
        }
        XCTAssertEqual(batch.messages, expected)
    }

    func testConsecutiveFillsContinueTheStream() {
        let input = DemoInput(rate: 0, count: 0, seed: 9)
        var first = LogBatch(), second = LogBatch()
        let p = input.fill(&first, count: 100, from: 0)
        _ = input.fill(&second, count: 100, from: p)
        XCTAssertEqual(first.messages + second.messages, messages(seed: 9, count: 200))
    }

    func testRunWithCountEndsTheInputAfterExactlyCountEvents() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              demo: { type: demo, rate: 0, count: 1234, seed: 5 }
            outputs:
              out: { type: capture, inputs: [demo] }
            """)
        try await pipeline.finished()
        let out = pipeline.capture()
        XCTAssertTrue(out.isFinished)
        XCTAssertEqual(out.eventCount, 1234)
        XCTAssertEqual(out.messages, messages(seed: 5, count: 1234))
        XCTAssertEqual(pipeline.metrics("demo").receivedEvents.load(ordering: .relaxed), 1234)
        XCTAssertEqual(pipeline.metrics("demo").sentEvents.load(ordering: .relaxed), 1234)
        XCTAssertGreaterThan(pipeline.metrics("demo").receivedBytes.load(ordering: .relaxed), 1234 * 20)
    }

    func testRateIsPaced() async throws {
        let start = ContinuousClock.now
        let pipeline = try await RunningPipeline("""
            inputs:
              demo: { type: demo, rate: 200, count: 60 }
            outputs:
              out: { type: capture, inputs: [demo] }
            """)
        try await pipeline.finished()
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(pipeline.capture().eventCount, 60)
        // 60 events at 200/s take about 0.3 s (batches of 10 every 50 ms).
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(250))
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testEndlessDemoStopsOnShutdown() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              demo: { type: demo, rate: 0 }
            outputs:
              out: { type: capture, inputs: [demo] }
            """)
        let out = pipeline.capture()
        try await eventually { out.eventCount >= 5000 }
        try await pipeline.stop()
        XCTAssertTrue(out.isFinished)
        let sent = pipeline.metrics("demo").sentEvents.load(ordering: .relaxed)
        XCTAssertEqual(out.eventCount, sent, "every event the input emitted was delivered")
    }
}
