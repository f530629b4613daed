import Foundation
import XCTest

/// The alerting rules in `docs/alerts/` (see docs/ALERTING.md): they load in Prometheus
/// (`promtool check rules`) and vmalert (`vmalert -dryRun`), their unit tests pass
/// (`promtool test rules`), every alert has a test that fails when its `for:` is dropped,
/// and the Alertmanager example loads (`amtool check-config`).
final class AlertRulesTests: XCTestCase {
    private static let alerts = Pipectl.packageRoot.appendingPathComponent("docs/alerts")
    private static let ruleFiles = ["pipectl.rules.yaml", "heroku.rules.yaml"]
    private static let testFiles = ["pipectl.rules.test.yaml", "heroku.rules.test.yaml"]

    func testPromtoolAcceptsEveryRuleFile() throws {
        let run = try Self.tool("/usr/bin/promtool", ["check", "rules"] + Self.ruleFiles)
        XCTAssertEqual(run.status, 0, run.output)
        for file in Self.ruleFiles {
            let rules = try Self.rules(in: file)
            XCTAssertTrue(run.output.contains("Checking \(file)\n  SUCCESS: \(rules.alerts.count) rules found"),
                          "\(file) (groups \(rules.groups)): \(run.output)")
        }
    }

    func testVmalertAcceptsEveryRuleFile() throws {
        let run = try Self.tool("/usr/bin/vmalert", ["-dryRun", "-loggerLevel=ERROR"] + Self.ruleFiles.map { "-rule=\($0)" })
        XCTAssertEqual(run.status, 0, run.output)
    }

    func testUnitTestsOfEveryRuleFilePass() throws {
        let run = try Self.tool("/usr/bin/promtool", ["test", "rules"] + Self.testFiles)
        XCTAssertEqual(run.status, 0, run.output)
        for file in Self.testFiles {
            XCTAssertTrue(run.output.contains("Unit Testing:  \(file)\n  SUCCESS"), "\(file): \(run.output)")
        }
    }

    /// Every alert is named by a unit test, waits (`for:`), and says how bad and what to do.
    func testEveryAlertIsTestedAndDocumented() throws {
        let tested = try Self.testFiles.map { try String(contentsOf: Self.alerts.appendingPathComponent($0), encoding: .utf8) }
            .joined()
        let guide = try String(contentsOf: Pipectl.packageRoot.appendingPathComponent("docs/ALERTING.md"), encoding: .utf8)
        for file in Self.ruleFiles {
            let rules = try Self.rules(in: file)
            XCTAssertFalse(rules.groups.isEmpty, file)
            for group in rules.groups { XCTAssertTrue(guide.contains("`\(group)`"), "group \(group) of \(file) not in ALERTING.md") }
            for alert in rules.alerts {
                XCTAssertTrue(tested.contains("alertname: \(alert.name)\n"), "\(alert.name) has no unit test")
                XCTAssertTrue(guide.contains("`\(alert.name)`"), "\(alert.name) is not in ALERTING.md")
                for key in ["for: ", "severity: ", "summary: ", "description: "] {
                    XCTAssertTrue(alert.text.contains(key), "\(alert.name) has no \(key)")
                }
            }
        }
    }

    /// Dropping any one alert's `for:` must make its unit tests fail, naming the alert: the tests
    /// hold blips that must not fire, or check that the alert is still pending.
    func testUnitTestsFailWhenAnAlertLosesItsForDuration() throws {
        for (ruleFile, testFile) in zip(Self.ruleFiles, Self.testFiles) {
            let rules = try Self.rules(in: ruleFile)
            for alert in rules.alerts {
                let dir = try temporaryDirectory(self)
                try FileManager.default.copyItem(at: Self.alerts.appendingPathComponent(testFile),
                                                 to: dir.appendingPathComponent(testFile))
                let broken = rules.text.replacingOccurrences(
                    of: alert.text, with: alert.text.replacingOccurrences(of: #"for: \d+m"#, with: "for: 0m", options: .regularExpression))
                XCTAssertNotEqual(broken, rules.text, alert.name)
                try broken.write(to: dir.appendingPathComponent(ruleFile), atomically: true, encoding: .utf8)
                let run = try Self.tool("/usr/bin/promtool", ["test", "rules", testFile], in: dir)
                XCTAssertNotEqual(run.status, 0, "\(alert.name) without for: still passes: \(run.output)")
                XCTAssertTrue(run.output.contains("alertname: \(alert.name),"), "\(alert.name): \(run.output)")
            }
        }
    }

    func testAlertmanagerExampleLoads() throws {
        let run = try Self.tool("/usr/bin/amtool", ["check-config", "alertmanager.example.yaml"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("SUCCESS"), run.output)
    }

    // MARK: - Helpers

    /// A rule file's text, its group names and its alerts, each with the text of its entry
    /// (from `- alert:` up to the next comment, entry or the end).
    private static func rules(in file: String) throws -> (text: String, groups: [String], alerts: [(name: String, text: String)]) {
        let text = try String(contentsOf: alerts.appendingPathComponent(file), encoding: .utf8)
        var groups: [String] = [], entries: [(name: String, text: String)] = [], current: (name: String, lines: [Substring])?
        func close() {
            if let entry = current { entries.append((entry.name, entry.lines.joined(separator: "\n").trimmingCharacters(in: .newlines))) }
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- name: ") {
                close()
                groups.append(String(trimmed.dropFirst(8)))
            } else if trimmed.hasPrefix("- alert: ") {
                close()
                current = (String(trimmed.dropFirst(9)), [line])
            } else if trimmed.hasPrefix("#") {
                close()
            } else {
                current?.lines.append(line)
            }
        }
        close()
        return (text, groups, entries)
    }

    /// Runs `executable arguments` in `docs/alerts` (or `directory`), bounded to 60 s; skips
    /// when the tool is not installed.
    private static func tool(_ executable: String, _ arguments: [String],
                             in directory: URL = alerts) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(executable) is not installed (Debian packages: prometheus, victoria-metrics, prometheus-alertmanager)")
        }
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = OutputCollector(pipe)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CLIError("\(executable) \(arguments) did not finish within 60 s; killed")
        }
        process.waitUntilExit()
        return (process.terminationStatus, output.text())
    }
}

/// Reads a pipe to its end in the background, so a chatty child never blocks on a full pipe.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchGroup()
    private var data = Data()

    init(_ pipe: Pipe) {
        done.enter()
        DispatchQueue.global().async { [self] in
            let read = pipe.fileHandleForReading.readDataToEndOfFile()
            lock.withLock { data = read }
            done.leave()
        }
    }

    func text() -> String {
        _ = done.wait(timeout: .now() + 10)
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
