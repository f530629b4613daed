import Foundation
import XCTest

/// `pipectl top`: against a running pipeline (a table, a narrow terminal in tmux, tokens, a
/// pipeline that stops), a dead API, and its rendering of canned `/v1/components` answers.
final class TopCommandTests: XCTestCase {
    private var dir: URL!
    private let longId = "fields_from_the_demo_input"

    override func setUpWithError() throws {
        _ = try Pipectl.binary()  // fails clearly when `swift build` has not run
        dir = try temporaryDirectory(self)
    }

    // MARK: Against a running pipeline

    func testOnceAgainstARunningPipeline() throws {
        let (_, port) = try startPipeline()
        let result = try top(["--once", "--interval", "500ms", "--api", "http://127.0.0.1:\(port)"], columns: 200)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let table = try parse(result.stdout)
        XCTAssertEqual(table.header, ["COMPONENT", "KIND", "TYPE", "IN/s", "OUT/s", "BYTES/s", "ERRORS", "ERR/s", "DROPS",
                                      "BUF", "BUF BYTES", "BUF%", "P50", "P99", "FAIL"])
        XCTAssertEqual(table.rows.map { $0["COMPONENT"] }, ["src", longId, "out"], "every component, ids whole")
        let src = table.rows[0], out = table.rows[2]
        for (row, column) in [(src, "IN/s"), (src, "OUT/s"), (out, "OUT/s"), (src, "BYTES/s")] {
            let cell = row[column] ?? "-"
            XCTAssertFalse(["0", "-"].contains(cell), "\(column) of \(row["COMPONENT"]!) is a rate above 0: \(result.stdout)")
        }
        XCTAssertEqual(src["BUF%"], "-", "an input has no buffer")
        XCTAssertNotNil(out["BUF%"]?.range(of: #"^(<1|[0-9]+)%$"#, options: .regularExpression), result.stdout)
        XCTAssertNotNil(out["BUF"].flatMap { Double($0) }, "buffered events of the output: \(result.stdout)")
        XCTAssertEqual(out["FAIL"], "no")
        XCTAssertEqual(src["FAIL"], "-")
    }

    func testNarrowTerminalRedrawsInPlaceAndCtrlCExitsZero() throws {
        let (_, port) = try startPipeline()
        let tmux = try Tmux(self, width: 60, height: 20)
        let binary = try Pipectl.binary().path
        try tmux.start("'\(binary)' top --api http://127.0.0.1:\(port) --interval 300ms; echo \"exit=$?\"; sleep 60")
        var first: [String] = []
        waitUntil("a table with rates in the pane") {
            first = tmux.capture()
            return first.contains { $0.split(separator: " ").prefix(2) == ["src", "2.0k"] }  // IN/s of 2000/s
        }
        XCTAssertTrue(first[0].hasPrefix("pipectl top  "), "\(first)")
        XCTAssertTrue(first.contains { $0.hasPrefix("COMPONENT ") && $0.contains("IN/s") && $0.contains("BUF%") }, "\(first)")
        XCTAssertTrue(first.contains { $0.hasPrefix("fields_from_the…") }, "a long id is cut with …: \(first)")
        XCTAssertTrue(first.contains("hidden columns: ERR/s, BUF BYTES, KIND, P50, BYTES/s, TYPE,"), "\(first)")
        for line in first { XCTAssertLessThan(line.count, 60, "fits 60 columns (the last stays free): \(line)") }
        XCTAssertEqual(first.filter { $0.hasPrefix("COMPONENT ") }.count, 1, "redrawn in place, not scrolled")
        XCTAssertEqual(tmux.cursorVisible, false, "the cursor is hidden while drawing")
        waitUntil("a redraw", timeout: 5) { tmux.capture() != first }
        XCTAssertEqual(tmux.capture().filter { $0.hasPrefix("COMPONENT ") }.count, 1)

        tmux.sendKeys("C-c")
        waitUntil("top to exit") { tmux.capture().contains { $0.hasPrefix("exit=") } }
        XCTAssertTrue(tmux.capture().contains("exit=0"), "\(tmux.capture())")
        XCTAssertEqual(tmux.cursorVisible, true, "the cursor is shown again")
    }

    func testBearerToken() throws {
        let (_, port) = try startPipeline(token: "s3cret-token")
        let api = "http://127.0.0.1:\(port)"
        let without = try top(["--once", "--api", api])
        XCTAssertEqual(without.status, 1)
        XCTAssertEqual(without.stdout, "")
        XCTAssertEqual(without.stderr, "pipectl top: the admin API at \(api) needs a token (401 Unauthorized); "
                       + "give its api.token with --token or PIPECTL_API_TOKEN\n")
        let wrong = try top(["--once", "--api", api, "--token", "guess"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.hasPrefix("pipectl top: the admin API at \(api) refused the token (401 Unauthorized)"),
                      wrong.stderr)
        let flag = try top(["--once", "--interval", "100ms", "--api", api, "--token", "s3cret-token"])
        XCTAssertEqual(flag.status, 0, flag.stderr)
        XCTAssertEqual(try parse(flag.stdout).rows.map { $0["COMPONENT"] }, ["src", longId, "out"])
        let env = try top(["--once", "--interval", "100ms", "--api", api], environment: ["PIPECTL_API_TOKEN": "s3cret-token"])
        XCTAssertEqual(env.status, 0, env.stderr)
    }

    func testPipedLiveModePrintsTablesUntilThePipelineStops() throws {
        let (pipeline, port) = try startPipeline()
        let process = try PipectlProcess(["top", "--interval", "200ms", "--api", "127.0.0.1:\(port)"], in: dir,
                                         environment: ["COLUMNS": "200"])
        Thread.sleep(forTimeInterval: 1.5)
        pipeline.signal(SIGTERM)
        let result = process.wait(timeout: 20)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("pipectl top: cannot reach the admin API at 127.0.0.1:\(port): "), result.stderr)
        let tables = result.stdout.components(separatedBy: "\n\n")
        XCTAssertGreaterThanOrEqual(tables.count, 3, "a table every interval, blank lines between: \(result.stdout)")
        for table in tables { XCTAssertTrue(table.hasPrefix("COMPONENT "), table) }
    }

    // MARK: A dead or odd API

    func testDeadAPIExitsOneWithAClearMessage() throws {
        let closed = try ListeningSocket()
        closed.close()
        for arguments in [["--once"], []] {
            let result = try top(arguments + ["--api", "http://127.0.0.1:\(closed.port)"])
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(result.stderr, "pipectl top: cannot reach the admin API at http://127.0.0.1:\(closed.port): connection refused\n")
        }
        let https = try top(["--once", "--api", "https://127.0.0.1:8686"])
        XCTAssertEqual(https.status, 2, "a URL the admin API cannot have is a usage error")
        XCTAssertTrue(https.stderr.contains("the admin API serves plain http://"), https.stderr)
    }

    func testAnswerThatIsNotTheComponentList() throws {
        let server = try FakeAdminAPI(self, answers: [(404, "not found: /v1/components\n")])
        let result = try top(["--once", "--api", "http://127.0.0.1:\(server.port)/"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "pipectl top: http://127.0.0.1:\(server.port)/v1/components answered 404: not found: /v1/components\n")
    }

    // MARK: Rendering of canned snapshots (rates over the pipeline's own clock: 2 s apart)

    func testFullTableFromTwoSnapshots() throws {
        let server = try FakeAdminAPI(self, answers: [(200, Canned.earlier), (200, Canned.later)])
        let result = try top(["--once", "--interval", "100ms", "--api", "http://127.0.0.1:\(server.port)", "--token", "abc"],
                             columns: 200)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            COMPONENT                        KIND       TYPE                     IN/s  OUT/s  BYTES/s  ERRORS  ERR/s  DROPS  BUF  BUF BYTES  BUF%   P50   P99  FAIL
            gen                              input      demo                     2.5k   2.5k   2.0MiB       0      0      0    -          -     -     -     -  -
            a_rather_long_transform_id_here  transform  logfmt                   2.5k   2.0k   1.2MiB      20     10      7  300       900B   90%     -     -  -
            vm                               output     prometheus_remote_write  2.0k   1.5k   1.2MiB       0      0      0    0         0B    0%  10ms  25ms  yes

            """)
        XCTAssertEqual(server.requests.first?.first, "GET /v1/components HTTP/1.1")
        XCTAssertTrue(server.requests.allSatisfy { $0.contains("Authorization: Bearer abc") }, "\(server.requests)")
    }

    func testColumnsDropInOrderAndIdsAreCut() throws {
        let expected: [Int: String] = [
            100: """
                COMPONENT         TYPE                     IN/s  OUT/s  ERRORS  DROPS  BUF  BUF%   P99  FAIL
                gen               demo                     2.5k   2.5k       0      0    -     -     -  -
                a_rather_long_t…  logfmt                   2.5k   2.0k      20      7  300   90%     -  -
                vm                prometheus_remote_write  2.0k   1.5k       0      0    0    0%  25ms  yes
                hidden columns: ERR/s, BUF BYTES, KIND, P50, BYTES/s

                """,
            40: """
                COMPONENT        IN/s  OUT/s  BUF%  FAIL
                gen              2.5k   2.5k     -  -
                a_rather_long_…  2.5k   2.0k   90%  -
                vm               2.0k   1.5k    0%  yes
                hidden columns: ERR/s, BUF BYTES, KIND,
                  P50, BYTES/s, TYPE, BUF, DROPS,
                  ERRORS, P99

                """,
        ]
        for (columns, table) in expected.sorted(by: { $0.key > $1.key }) {
            let server = try FakeAdminAPI(self, answers: [(200, Canned.earlier), (200, Canned.later)])
            let result = try top(["--once", "--interval", "100ms", "--api", "http://127.0.0.1:\(server.port)"], columns: columns)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, table, "COLUMNS=\(columns)")
            for line in lines(result.stdout) { XCTAssertLessThanOrEqual(line.count, columns, line) }
        }
    }

    // MARK: Helpers

    /// Starts `demo → logfmt → file` with the admin API on a free port (read from the log);
    /// the pipeline is stopped when the test ends.
    private func startPipeline(token: String? = nil) throws -> (PipectlProcess, Int) {
        try """
            data_dir: ./data
            api:
              listen: 127.0.0.1:0
              \(token.map { "token: \($0)" } ?? "")
            inputs:
              src: { type: demo, rate: 2000 }
            transforms:
              \(longId): { type: logfmt, inputs: [src] }
            outputs:
              out: { type: file, inputs: [\(longId)], path: ./out.ndjson, buffer: { max_events: 5000 } }
            """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", "p.yaml", "--log-file", log.path], in: dir)
        addTeardownBlock {
            process.signal(SIGTERM)
            process.wait(timeout: 15)
        }
        var port = 0
        waitUntil("the admin API log line") {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            guard let match = text.range(of: #"admin API listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(text[match].split(separator: ":").last!) ?? 0
            return true
        }
        return (process, port)
    }

    /// Runs `pipectl top arguments` (piped, so not a terminal) with `COLUMNS` set when given.
    private func top(_ arguments: [String], columns: Int? = nil, environment: [String: String] = [:])
        throws -> (status: Int32, stdout: String, stderr: String) {
        var environment = environment
        environment["COLUMNS"] = columns.map(String.init) ?? ""
        return try pipectl(["top"] + arguments, in: dir, environment: environment, timeout: 20)
    }

    /// Splits a printed table at runs of two or more spaces into the header and rows by title.
    private func parse(_ text: String) throws -> (header: [String], rows: [[String: String]]) {
        let cells = lines(text).map { $0.replacingOccurrences(of: " {2,}", with: "\t", options: .regularExpression)
            .split(separator: "\t").map(String.init) }
        let header = try XCTUnwrap(cells.first, "no table: \(text)")
        for row in cells.dropFirst() { XCTAssertEqual(row.count, header.count, "a cell per column: \(row)") }
        return (header, cells.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) })
    }
}

/// A private tmux server (its own socket) with one detached session, killed when the test ends.
private final class Tmux {
    private let socket = "pipectl-top-\(UUID().uuidString.prefix(8))"
    private let width: Int, height: Int

    init(_ test: XCTestCase, width: Int, height: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        self.width = width
        self.height = height
        test.addTeardownBlock { [self] in _ = run(["kill-server"]) }
    }

    /// Runs `command` (through the shell) in a new `width`×`height` session.
    func start(_ command: String) throws {
        let output = run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", "top", command])
        guard output.status == 0 else { throw CLIError("tmux new-session: \(output.text)") }
    }

    /// The pane's lines, trailing spaces and empty lines at the end removed.
    func capture() -> [String] {
        var lines = run(["capture-pane", "-p", "-t", "top"]).text.components(separatedBy: "\n")
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    func sendKeys(_ keys: String) { _ = run(["send-keys", "-t", "top", keys]) }

    /// Whether the pane shows its cursor (tmux's `cursor_flag`); nil when tmux did not say.
    var cursorVisible: Bool? {
        switch run(["display-message", "-p", "-t", "top", "#{cursor_flag}"]).text.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "1": true
        case "0": false
        default: nil
        }
    }

    /// Runs tmux to its end with posix_spawn and waitpid, its output through a file: the
    /// server that `new-session` forks keeps what it inherits open for good, so neither a pipe
    /// nor Foundation's `Process` (which waits for its own inherited socket to close) would end.
    private func run(_ arguments: [String]) -> (status: Int32, text: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = (["/usr/bin/tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ) == 0 else { return (-1, "tmux did not start") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }
}

/// A loopback HTTP server answering every request with the next of `answers` (the last one
/// repeats), recording each request's head lines; stopped when the test ends.
private final class FakeAdminAPI: @unchecked Sendable {
    let port: Int
    private let listener: ListeningSocket
    private let lock = NSLock()
    private var heads: [[String]] = []

    init(_ test: XCTestCase, answers: [(Int, String)]) throws {
        listener = try ListeningSocket()
        port = listener.port
        let fd = listener.fd
        Thread.detachNewThread { [self] in
            var served = 0
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }  // the listener was closed
                let (status, body) = answers[min(served, answers.count - 1)]
                served += 1
                let head = readHead(client)
                lock.withLock { heads.append(head) }
                let response = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                    + "Connection: close\r\n\r\n\(body)"
                _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
                Glibc.close(client)
            }
        }
        test.addTeardownBlock { [listener] in shutdown(listener.fd, Int32(SHUT_RDWR)); listener.close() }
    }

    /// Every request's head, one array of lines per request.
    var requests: [[String]] { lock.withLock { heads } }

    private func readHead(_ fd: Int32) -> [String] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            bytes.append(byte)
            if bytes.suffix(4) == Array("\r\n\r\n".utf8) { break }
        }
        return String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }
}

/// Two `/v1/components` answers 2 s apart (pipeline clock): an input, a transform with errors,
/// drops and a buffer 90% full in bytes, and a failing output whose last 100 requests took
/// 5–25 ms (after 1000 under 5 ms, which must not count).
private enum Canned {
    static let earlier = snapshot(time: 1000, counters: [0, 0, 0, 0], errors: 0, histogram: [1000, 1000, 1000], count: 1000)
    static let later = snapshot(time: 1002, counters: [5000, 4000, 3000, 4_194_304], errors: 20,
                                histogram: [1000, 1050, 1100], count: 1100)

    /// `counters`: gen's events, the transform's output, vm's deliveries, gen's bytes.
    private static func snapshot(time: Double, counters c: [Int], errors: Int, histogram h: [Int], count: Int) -> String {
        let bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
        let buckets = bounds.enumerated().map { "[\($0.element),\($0.offset < 3 ? h[$0.offset] : count)]" }.joined(separator: ",")
        let bytes = c[3] * 6 / 10
        return """
            {"time":\(time),"components":[
            {"id":"gen","kind":"input","type":"demo","inputs":[],"received_events":\(c[0]),"received_bytes":\(c[3]),
             "sent_events":\(c[0]),"errors":{},"dropped":{},"failing":false},
            {"id":"a_rather_long_transform_id_here","kind":"transform","type":"logfmt","inputs":["gen"],
             "received_events":\(c[0]),"received_bytes":\(bytes),"sent_events":\(c[1]),"errors":{"parse":\(errors)},
             "dropped":{"buffer_full":7},"buffer_events":300,"buffer_bytes":900,"buffer_max_events":1000,
             "buffer_max_bytes":1000,"failing":false,"state":{"anything":[1,2]}},
            {"id":"vm","kind":"output","type":"prometheus_remote_write","inputs":["a_rather_long_transform_id_here"],
             "received_events":\(c[1]),"received_bytes":\(bytes),"sent_events":\(c[2]),"errors":{},"dropped":{},
             "buffer_events":0,"buffer_bytes":0,"buffer_max_events":100,"failing":true,
             "request_duration_seconds":{"buckets":[\(buckets)],"count":\(count),"sum":12.5}}]}
            """
    }
}
