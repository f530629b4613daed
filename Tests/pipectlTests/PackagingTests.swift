import Foundation
import XCTest

/// The Debian package of `scripts/build-deb.sh`, built from the test build's binary and unpacked
/// into a scratch root as `dpkg -i` lays it out (without its maintainer scripts, which would
/// touch the system): files where they belong, the binary runs from there, the unit verifies.
final class PackagingTests: XCTestCase {
    private static let subcommands = ["run", "validate", "test", "graph", "version"]

    func testDebUnpackedIntoAScratchRootRunsAndHoldsEveryFile() throws {
        guard Tool.find("dpkg-deb") != nil else { throw XCTSkip("dpkg-deb is missing: not a Debian system") }
        let dir = try temporaryDirectory(self)
        let deb = try buildDeb(into: dir.appendingPathComponent("out"))
        let root = dir.appendingPathComponent("root"), control = dir.appendingPathComponent("control")
        try Tool.run(["dpkg-deb", "-x", deb.path, root.path]).check("dpkg-deb -x")
        try Tool.run(["dpkg-deb", "-e", deb.path, control.path]).check("dpkg-deb -e")

        try checkControl(deb: deb, control: control)
        try checkFiles(root: root)
        try checkCompletions(root: root)
        try checkBinaryRuns(root: root)
        try checkUnitVerifies(root: root, scratch: dir)
    }

    /// The postinst, with stand-ins for the commands it calls, creates the `pipectl` system
    /// user on `configure` when it is missing and never starts the service on a fresh install.
    func testPostinstCreatesTheSystemUserOnConfigure() throws {
        let dir = try temporaryDirectory(self)
        let log = dir.appendingPathComponent("calls.log")
        let stubs = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: stubs, withIntermediateDirectories: true)
        for name in ["getent", "adduser", "deb-systemd-helper", "deb-systemd-invoke", "systemctl"] {
            // getent answers "no such user" (exit 2); the others only record their arguments.
            let exit = name == "getent" ? 2 : 0
            let stub = stubs.appendingPathComponent(name)
            try "#!/bin/sh\necho \"\(name) $*\" >> '\(log.path)'\nexit \(exit)\n".write(to: stub, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        }
        let postinst = Pipectl.packageRoot.appendingPathComponent("packaging/postinst").path
        try Tool.run(["sh", postinst, "configure", ""], environment: ["PATH": "\(stubs.path):/usr/bin:/bin"])
            .check("postinst configure")
        let calls = fileLines(log)
        XCTAssertTrue(calls.contains("getent passwd pipectl"), "\(calls)")
        let adduser = try XCTUnwrap(calls.first { $0.hasPrefix("adduser ") }, "adduser was not called: \(calls)")
        for flag in ["--system", "--group", "--home /var/lib/pipectl", "--no-create-home"] {
            XCTAssertTrue(adduser.contains(flag), "\(adduser) lacks \(flag)")
        }
        XCTAssertTrue(adduser.hasSuffix(" pipectl"), adduser)
        XCTAssertFalse(calls.contains { $0.contains("enable") || $0.hasPrefix("deb-systemd-invoke") }, "\(calls)")
    }

    // MARK: - Steps

    /// Runs scripts/build-deb.sh on the test build's binary (a debug build, which loads the Swift
    /// runtime from the toolchain: allowed here), with fast compression; returns the .deb.
    private func buildDeb(into outdir: URL) throws -> URL {
        let script = Pipectl.packageRoot.appendingPathComponent("scripts/build-deb.sh").path
        let result = try Tool.run(
            ["bash", script, try Pipectl.binary().path, outdir.path],
            environment: ["PIPECTL_DEB_ALLOW_TOOLCHAIN_RUNTIME": "1", "DPKG_DEB_COMPRESSOR_TYPE": "gzip",
                          "DPKG_DEB_COMPRESSOR_LEVEL": "1"],
            timeout: 300)
        try result.check("scripts/build-deb.sh")
        let deb = URL(fileURLWithPath: try XCTUnwrap(lines(result.stdout).last, "build-deb.sh printed no path"))
        XCTAssertEqual(deb.deletingLastPathComponent().standardizedFileURL.path, outdir.standardizedFileURL.path)
        XCTAssertTrue(deb.lastPathComponent.hasPrefix("pipectl_") && deb.lastPathComponent.hasSuffix(".deb"), deb.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: deb.path), deb.path)
        return deb
    }

    private func checkControl(deb: URL, control: URL) throws {
        let fields = try Tool.run(["dpkg-deb", "--field", deb.path, "Package", "Architecture", "Depends"])
        try fields.check("dpkg-deb --field")
        let arch = try Tool.run(["dpkg", "--print-architecture"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(fields.stdout.contains("Package: pipectl\n"), fields.stdout)
        XCTAssertTrue(fields.stdout.contains("Architecture: \(arch)\n"), fields.stdout)
        for package in ["adduser", "libc6 ", "libpcre2-8-0 ", "libsnappy1v5 ", "zlib1g "] {
            XCTAssertTrue(fields.stdout.contains(package), "Depends lacks \(package): \(fields.stdout)")
        }
        XCTAssertEqual(fileLines(control.appendingPathComponent("conffiles")), ["/etc/pipectl/pipectl.yaml"])
        for script in ["postinst", "prerm", "postrm"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: control.appendingPathComponent(script).path), script)
        }
    }

    private func checkFiles(root: URL) throws {
        let fm = FileManager.default
        XCTAssertTrue(fm.isExecutableFile(atPath: root.appendingPathComponent("usr/bin/pipectl").path))
        for file in ["etc/pipectl/pipectl.yaml", "usr/share/doc/pipectl/copyright", "usr/share/doc/pipectl/README.md"] {
            XCTAssertTrue(fm.fileExists(atPath: root.appendingPathComponent(file).path), "\(file) is missing")
        }
        let unit = try String(contentsOf: root.appendingPathComponent("lib/systemd/system/pipectl.service"), encoding: .utf8)
        for line in ["ExecStart=/usr/bin/pipectl run /etc/pipectl/pipectl.yaml", "User=pipectl", "Group=pipectl",
                     "StateDirectory=pipectl", "LimitNOFILE=65536", "Restart=on-failure"] {
            XCTAssertTrue(lines(unit).contains(line), "the unit lacks \(line)")
        }
        let config = try String(contentsOf: root.appendingPathComponent("etc/pipectl/pipectl.yaml"), encoding: .utf8)
        XCTAssertTrue(lines(config).contains("data_dir: /var/lib/pipectl"), "the example's data_dir is not the StateDirectory")
    }

    private func checkCompletions(root: URL) throws {
        for path in ["usr/share/bash-completion/completions/pipectl", "usr/share/zsh/vendor-completions/_pipectl",
                     "usr/share/fish/vendor_completions.d/pipectl.fish"] {
            let text = (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
            XCTAssertFalse(text.isEmpty, "\(path) is missing or empty")
            for word in ["pipectl"] + Self.subcommands {
                XCTAssertTrue(text.contains(word), "\(path) does not mention \(word)")
            }
        }
        // bash loads its script and completes `pipectl` with it (zsh and fish may not be installed).
        let bashScript = root.appendingPathComponent("usr/share/bash-completion/completions/pipectl").path
        let loaded = try Tool.run(["bash", "-c", "source \"$1\" && complete -p pipectl", "bash", bashScript])
        try loaded.check("sourcing the bash completion")
        XCTAssertTrue(loaded.stdout.contains("-F _pipectl pipectl"), loaded.stdout)
    }

    private func checkBinaryRuns(root: URL) throws {
        let binary = root.appendingPathComponent("usr/bin/pipectl").path
        let config = root.appendingPathComponent("etc/pipectl/pipectl.yaml").path
        let version = try Tool.run([binary, "version"])
        try version.check("pipectl version")
        XCTAssertTrue(version.stdout.hasPrefix("pipectl "), version.stdout)
        let validate = try Tool.run([binary, "validate", config])
        try validate.check("pipectl validate")
        XCTAssertTrue((validate.stdout + validate.stderr).contains("ok: "), validate.stdout + validate.stderr)
        try Tool.run([binary, "test", config]).check("pipectl test")
    }

    /// `systemd-analyze verify` needs ExecStart's binary to exist, so it checks a copy of the
    /// unit whose ExecStart points into the scratch root; every other line is as shipped.
    private func checkUnitVerifies(root: URL, scratch: URL) throws {
        guard Tool.find("systemd-analyze") != nil else {
            print("PackagingTests: systemd-analyze is missing; the unit was not verified")
            return
        }
        let unit = try String(contentsOf: root.appendingPathComponent("lib/systemd/system/pipectl.service"), encoding: .utf8)
        let copyDir = scratch.appendingPathComponent("verify")
        try FileManager.default.createDirectory(at: copyDir, withIntermediateDirectories: true)
        let copy = copyDir.appendingPathComponent("pipectl.service")
        try unit.replacingOccurrences(of: "ExecStart=/usr/bin/pipectl", with: "ExecStart=\(root.path)/usr/bin/pipectl")
            .write(to: copy, atomically: true, encoding: .utf8)
        let result = try Tool.run(["systemd-analyze", "verify", "--man=no", copy.path])
        // verify exits 0 on unknown keys and bad values too, and only warns: any line about our
        // unit is a failure. Lines about the host's own units are not ours to judge.
        let complaints = lines(result.stdout + "\n" + result.stderr).filter { $0.contains("pipectl") }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(complaints, [], "systemd-analyze verify complains about the unit")
    }
}

/// Runs external tools (dpkg-deb, the build script, systemd-analyze) to completion, bounded.
private enum Tool {
    struct Result {
        let arguments: [String]
        let status: Int32
        let stdout: String
        let stderr: String

        @discardableResult
        func check(_ what: String) throws -> Result {
            guard status == 0 else { throw CLIError("\(what) (\(arguments.joined(separator: " "))) exited \(status):\n\(stderr)\(stdout)") }
            return self
        }
    }

    /// The path of `name` on PATH, if any.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `arguments` (the first found on PATH unless it is a path); kills it after `timeout` s.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = Pipectl.environment(environment)
        process.standardInput = FileHandle.nullDevice
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        let collected = Collected()
        let readers = DispatchGroup()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            DispatchQueue.global().async(group: readers) {
                collected.set(pipe.fileHandleForReading.readDataToEndOfFile(), isOut: isOut)
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CLIError("\(arguments.joined(separator: " ")) did not exit within \(timeout) s; killed")
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 10)
        let (out, err) = collected.get()
        return Result(arguments: arguments, status: process.terminationStatus, stdout: out, stderr: err)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var out = Data(), err = Data()

        func set(_ data: Data, isOut: Bool) { lock.withLock { if isOut { out = data } else { err = data } } }
        func get() -> (String, String) {
            lock.withLock { (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self)) }
        }
    }
}
