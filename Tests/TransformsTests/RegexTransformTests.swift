import Atomics
import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `regex` over log batches: named groups → fields, pattern order, types, unmatched events,
/// bounded backtracking, and batches moving through a chain without a copy.
final class RegexTransformTests: XCTestCase {
    private let router = "at=info method=GET path=\"/api/users\" host=demo.herokuapp.com"
        + " request_id=8601b555 fwd=\"10.1.2.3\" dyno=web.1 connect=1ms service=23ms status=200 bytes=1234 protocol=https"
    private let routerOptions = """
        patterns:
          - 'method=(?<method>\\S+) path="(?<path>[^"]*)".* dyno=(?<dyno>\\S+) connect=(?<connect>\\S*) service=(?<service>\\S+) status=(?<status>\\d+) bytes=(?<bytes>\\d+)'
        types: {status: int, service: duration, connect: duration, bytes: size}
        """

    /// Runs `stage` over `messages`; the batches it emitted with their ports.
    private func run(_ stage: inout RegexTransform, _ events: [(message: String, fields: [(String, FieldLiteral)])])
        -> [(port: Int, logs: LogBatch)] {
        var output = TransformOutput()
        stage.process(.logs(logBatch(events)), into: &output)
        return output.batches.map { item in
            var batch = item.batch
            return (item.port, batch.takeLogs()!)
        }
    }

    private func run(_ stage: inout RegexTransform, _ messages: [String]) -> [(port: Int, logs: LogBatch)] {
        run(&stage, messages.map { ($0, []) })
    }

    private func errorCounts(_ metrics: ComponentMetrics) -> [String] { metrics.errorCounts.map { "\($0.0)=\($0.1)" } }

    func testHerokuRouterLineBecomesTypedFields() throws {
        var (stage, metrics) = try XCTUnwrap(makeRegex(routerOptions))
        let out = run(&stage, [router])
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(records(out[0].logs), [[
            "message": .string(router), "method": .string("GET"), "path": .string("/api/users"), "dyno": .string("web.1"),
            "connect": .double(0.001), "service": .double(0.023), "status": .int(200), "bytes": .int(1234),
        ]])
        XCTAssertEqual(fieldNames(out[0].logs, 0), ["method", "path", "dyno", "connect", "service", "status", "bytes"])
        XCTAssertEqual(errorCounts(metrics), ["match_limit=0", "type=0"])
    }

    func testPatternsAreTriedInOrderAndTheFirstMatchWins() throws {
        var (stage, _) = try XCTUnwrap(makeRegex("""
            patterns:
              - '^GET (?<get_path>\\S+)'
              - '^(?<verb>[A-Z]+) (?<path>\\S+)'
              - '(?<word>\\w+)'
            """))
        let logs = run(&stage, ["GET /a", "POST /b", "hello there", "!!!"])[0].logs
        XCTAssertEqual(records(logs), [
            ["message": .string("GET /a"), "get_path": .string("/a")],
            ["message": .string("POST /b"), "verb": .string("POST"), "path": .string("/b")],
            ["message": .string("hello there"), "word": .string("hello")],
            ["message": .string("!!!")],
        ])
    }

    func testMatchesAFieldOtherThanTheMessage() throws {
        var (stage, _) = try XCTUnwrap(makeRegex("field: line\npatterns: ['code=(?<code>H\\d+)']"))
        let logs = run(&stage, [("code=H1 in message", []), ("m", [("line", .string("at=error code=H12"))]),
                                ("m", [("line", .int(5))])])[0].logs
        let r = records(logs)
        XCTAssertNil(r[0]["code"], "the message is not the field")
        XCTAssertEqual(r[1]["code"], .string("H12"))
        XCTAssertNil(r[2]["code"], "a non-bytes field does not match")
    }

    func testOptionalGroupThatDidNotTakePartSetsNoField() throws {
        var (stage, _) = try XCTUnwrap(makeRegex("patterns: ['(?<a>a)(?<b>b)?']"))
        XCTAssertEqual(records(run(&stage, ["a"])[0].logs), [["message": .string("a"), "a": .string("a")]])
    }

    func testOnNoMatchKeepDropRoute() throws {
        let messages = ["status=200", "nothing", "status=503", "again nothing"]
        var (keep, _) = try XCTUnwrap(makeRegex("patterns: ['status=(?<status>\\d+)']"))
        let kept = run(&keep, messages)
        XCTAssertEqual(kept.map(\.port), [0])
        XCTAssertEqual(kept[0].logs.messages, messages)

        var (drop, _) = try XCTUnwrap(makeRegex("patterns: ['status=(?<status>\\d+)']\non_no_match: drop"))
        let dropped = run(&drop, messages)
        XCTAssertEqual(dropped.map(\.port), [0])
        XCTAssertEqual(dropped[0].logs.messages, ["status=200", "status=503"])

        var (route, _) = try XCTUnwrap(makeRegex("patterns: ['status=(?<status>\\d+)']\non_no_match: route"))
        let routed = run(&route, messages.map { ($0, [("app", FieldLiteral.string("web"))]) })
        XCTAssertEqual(routed.map(\.port), [0, 1])
        XCTAssertEqual(routed[0].logs.messages, ["status=200", "status=503"])
        XCTAssertEqual(records(routed[1].logs), [
            ["message": .string("nothing"), "app": .string("web")],
            ["message": .string("again nothing"), "app": .string("web")],
        ], "unmatched events keep their fields")
        XCTAssertEqual(run(&route, ["x", "y"]).map(\.port), [1], "an all-unmatched batch moves whole to unmatched")
        XCTAssertEqual(run(&route, ["status=1"]).map(\.port), [0])
    }

    func testRouteThroughATopologyReachesIDUnmatched() async throws {
        let components = TestComponents()
        let registry = ComponentRegistry(components.registry.types + [RegexTransformConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              gen: {type: sequence, count: 1000, batch_size: 100}
            transforms:
              parse: {type: regex, inputs: [gen], patterns: ['^(?<never>x)'], on_no_match: route}
            outputs:
              parsed: {type: capture, inputs: [parse]}
              rest: {type: capture, inputs: [parse.unmatched]}
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let topology = try Topology(config: try XCTUnwrap(outcome.config),
                                    logger: LogCapture().logger())
        try await withTimeout(seconds: 60) { await topology.run() }
        XCTAssertEqual(components.capture("rest")?.eventCount, 1000)
        XCTAssertEqual(components.capture("parsed")?.eventCount, 0)
    }

    func testValuesThatDoNotConvertAreKeptAsBytesAndCounted() throws {
        var (stage, metrics) = try XCTUnwrap(makeRegex("""
            patterns: ['s=(?<s>\\S+) d=(?<d>\\S+) z=(?<z>\\S+) b=(?<b>\\S+) f=(?<f>\\S+) t=(?<t>\\S+)']
            types: {s: int, d: duration, z: size, b: bool, f: float, t: timestamp}
            """))
        let logs = run(&stage, ["s=12x d=5parsecs z=1MB b=maybe f=0.25 t=2024-01-02T03:04:05Z",
                                "s=-7 d=1.5s z=3 b=true f=1e3 t=yesterday"])[0].logs
        let r = records(logs)
        XCTAssertEqual(r[0]["s"], .string("12x"))
        XCTAssertEqual(r[0]["d"], .string("5parsecs"))
        XCTAssertEqual(r[0]["z"], .int(1_048_576))
        XCTAssertEqual(r[0]["b"], .string("maybe"))
        XCTAssertEqual(r[0]["f"], .double(0.25))
        XCTAssertEqual(r[0]["t"], .int(1_704_164_645_000_000_000))
        XCTAssertEqual(r[1]["s"], .int(-7))
        XCTAssertEqual(r[1]["d"], .double(1.5))
        XCTAssertEqual(r[1]["z"], .int(3))
        XCTAssertEqual(r[1]["b"], .bool(true))
        XCTAssertEqual(r[1]["f"], .double(1000))
        XCTAssertEqual(r[1]["t"], .string("yesterday"))
        XCTAssertEqual(errorCounts(metrics), ["match_limit=0", "type=4"])
    }

    func testCatastrophicBacktrackingIsBoundedAndCounted() throws {
        var (stage, metrics) = try XCTUnwrap(makeRegex("patterns: ['^(?<a>(a+)+)$', '(?<fallback>b)']"))
        let line = String(repeating: "a", count: 5_000) + "b"
        let start = ContinuousClock.now
        let out = run(&stage, [line, "aaa"])
        let elapsed = ContinuousClock.now - start
        XCTAssertLessThan(elapsed, .seconds(2), "the match limit bounds the work")
        let r = records(out[0].logs)
        XCTAssertEqual(r[0], ["message": .string(line)], "a limited match passes the event unparsed")
        XCTAssertEqual(r[1]["a"], .string("aaa"))
        XCTAssertEqual(errorCounts(metrics), ["match_limit=1", "type=0"])
    }

    func testALinearChainThroughRegexMakesNoBatchCopy() async throws {
        let components = TestComponents()
        let registry = ComponentRegistry(components.registry.types + [RegexTransformConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              gen: {type: sequence, count: 100000, batch_size: 100}
            transforms:
              parse: {type: regex, inputs: [gen], patterns: ['^(?<word>\\w+) (?<kind>\\w+)$']}
              after: {type: mutate, inputs: [parse]}
            outputs:
              out: {type: capture, inputs: [after]}
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let topology = try Topology(config: try XCTUnwrap(outcome.config),
                                    logger: LogCapture().logger())
        try await withTimeout(seconds: 60) { await topology.run() }
        XCTAssertEqual(components.capture("out")?.eventCount, 100_000)
        let copies = { (id: String) in
            topology.telemetry.entries.first { $0.id == id }!.metrics.batchCopies.load(ordering: .relaxed)
        }
        XCTAssertEqual(copies("parse"), 0, "regex copied batches it should own")
        XCTAssertEqual(copies("after"), 0)
    }
}

/// The PCRE2 wrapper on its own: JIT and the interpreter agree, and each honours its limits.
final class RegexProgramTests: XCTestCase {
    func testJITIsUsedAndTheInterpreterFallbackMatchesTheSame() throws {
        let jit = try RegexProgram("(?<k>\\w+)=(?<v>\\d+)", matchLimit: 100_000, depthLimit: 10_000)
        let interpreted = try RegexProgram("(?<k>\\w+)=(?<v>\\d+)", matchLimit: 100_000, depthLimit: 10_000, useJIT: false)
        XCTAssertTrue(jit.jit, "PCRE2 on this machine has JIT")
        XCTAssertFalse(interpreted.jit)
        for program in [jit, interpreted] {
            let outcome = Array("x status=200".utf8).withUnsafeBytes { program.match($0) }
            XCTAssertEqual(outcome, .matched)
            XCTAssertEqual(program.groups.map(\.name), ["k", "v"])
            XCTAssertEqual(program.range(of: 1), 2..<8)
            XCTAssertEqual(program.range(of: 2), 9..<12)
            XCTAssertEqual(Array("nothing".utf8).withUnsafeBytes { program.match($0) }, .noMatch)
            XCTAssertEqual(UnsafeRawBufferPointer(start: nil, count: 0).withUnsafeBytes { program.match($0) }, .noMatch)
        }
    }

    func testBothPathsStopPathologicalBacktracking() throws {
        let line = Array((String(repeating: "a", count: 5_000) + "b").utf8)
        for useJIT in [true, false] {
            let program = try RegexProgram("^(?<a>(a+)+)$", matchLimit: 100_000, depthLimit: 10_000, useJIT: useJIT)
            XCTAssertEqual(line.withUnsafeBytes { program.match($0) }, .limitHit, "useJIT: \(useJIT)")
        }
    }

    func testDurationAndSizeRejectMalformedNumbers() {
        for text in ["1.2.3", "1-2ms", "ms", "12 ms", ""] {
            XCTAssertNil(Array(text.utf8).withUnsafeBytes { RegexFieldType.duration.convert($0) }, text)
        }
        XCTAssertEqual(Array("-5ms".utf8).withUnsafeBytes { RegexFieldType.duration.convert($0) }, .double(-0.005))
        XCTAssertEqual(Array("2KiB".utf8).withUnsafeBytes { RegexFieldType.size.convert($0) }, .int(2048))
    }
}
