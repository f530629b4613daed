import Foundation
import PipelineTesting
import XCTest

/// Finds and runs the built `pipectl` binary.
enum Pipectl {
    /// The package root, from this file's path (Tests/pipectlTests/<file>).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary next to the test bundle (same build), else `.build/debug/pipectl`.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(packageRoot.appendingPathComponent(".build/debug"))
        for dir in candidates {
            let url = dir.appendingPathComponent("pipectl")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: url.path) {
                return url
            }
        }
        throw BinaryMissing(searched: candidates.map(\.path))
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        let searched: [String]
        var description: String {
            "the pipectl binary was not found (looked in \(searched.joined(separator: ", "))); run `swift build` before `swift test`"
        }
    }

    /// The environment for a child: ours without `PIPECTL_*`, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PIPECTL_") }
        env.merge(extra) { $1 }
        return env
    }
}

/// A started `pipectl` process whose output is collected in the background.
final class PipectlProcess: @unchecked Sendable {
    let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private let lock = NSLock()
    private var outData = Data(), errData = Data()
    private let readers = DispatchGroup()

    init(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws {
        process.executableURL = try Pipectl.binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = Pipectl.environment(environment)
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            readers.enter()
            DispatchQueue.global().async { [self] in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                lock.withLock { if isOut { outData = data } else { errData = data } }
                readers.leave()
            }
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits until the process exits; kills it and fails after `timeout` seconds.
    @discardableResult
    func wait(timeout: Double, file: StaticString = #filePath, line: UInt = #line) -> (status: Int32, stdout: String, stderr: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("pipectl \(process.arguments ?? []) did not exit within \(timeout) s; killed", file: file, line: line)
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 10)
        return lock.withLock {
            (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `pipectl arguments` to completion (bounded) in `directory`.
func pipectl(_ arguments: [String], in directory: URL, environment: [String: String] = [:], timeout: Double = 30,
             file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, stdout: String, stderr: String) {
    try PipectlProcess(arguments, in: directory, environment: environment).wait(timeout: timeout, file: file, line: line)
}

/// Polls `condition` every 5 ms until it holds; fails the test after `timeout` seconds.
func waitUntil(_ what: String, timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        if Date() >= deadline {
            XCTFail("\(what) did not happen within \(timeout) s", file: file, line: line)
            return
        }
        usleep(5_000)
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipectl-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The lines of a file (without the final empty piece), or [] when it does not exist.
func fileLines(_ url: URL) -> [String] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

/// The lines of `text`, without a final empty piece.
func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
}

func jsonObject(_ line: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

/// A TCP socket listening on 127.0.0.1 at a free port, until closed.
final class ListeningSocket {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw CLIError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            _ = Glibc.close(fd)
            throw CLIError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

/// One HTTP GET over a raw socket (`Connection: close`); returns status and body.
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let response = try HTTPTestClient.request(port: port, path, timeoutSeconds: 5)
    return (response.status, response.body)
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
