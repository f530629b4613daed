import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Events and pipelines for the syslog output's tests.
enum SyslogOutputTesting {
    /// 2026-11-29T18:00:00Z in nanoseconds; event `id` is stamped `id` microseconds later.
    static let epoch: Int64 = 1_795_975_200_000_000_000

    /// Events `ids`, message `m<id>`, with every syslog field set, in batches of `batchSize`.
    static func batches(_ ids: Range<Int>, batchSize: Int = 100) -> [EventBatch] {
        stride(from: ids.lowerBound, to: ids.upperBound, by: batchSize).map { first in
            var batch = LogBatch()
            for id in first..<min(first + batchSize, ids.upperBound) {
                let i = batch.append(timestamp: epoch + Int64(id) * 1000, message: "m\(id)")
                batch.setField(i, .known(.facility), .int(16))
                batch.setField(i, .known(.severity), .bytes(batch.store("info")))
                batch.setField(i, .known(.hostname), .bytes(batch.store("web-\(id % 3)")))
                batch.setField(i, .known(.appname), .bytes(batch.store("app")))
                batch.setField(i, .known(.procid), .int(Int64(id)))
                batch.setField(i, .known(.msgid), .bytes(batch.store("ID47")))
                batch.setField(i, .known(.structuredData), .bytes(batch.store(#"[ex@32473 id="\#(id)"]"#)))
            }
            return .logs(batch)
        }
    }

    /// What the receiver must have parsed for event `id`.
    static func expected(_ id: Int) -> SyslogTestReceiver.Message {
        SyslogTestReceiver.Message(facility: 16, severity: 6, timestamp: epoch + Int64(id) * 1000, hostname: "web-\(id % 3)",
                                   appname: "app", procid: "\(id)", msgid: "ID47", structuredData: #"[ex@32473 id="\#(id)"]"#,
                                   message: "m\(id)")
    }

    /// The id in a received message `m<id>`.
    static func id(_ message: SyslogTestReceiver.Message) -> Int { Int(message.message.dropFirst())! }

    /// A loaded, prepared `static → syslog(out)` pipeline over `batches`; `components` records the output's stage.
    static func topology(_ test: XCTestCase, options: String, batches: [EventBatch],
                         components: TestComponents = TestComponents()) async throws -> Topology {
        let dataDirectory = try temporaryDirectory(test).path
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [components.recording(SyslogOutputConfig.componentType)])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 30s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: syslog
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        return topology
    }

    static func metrics(_ topology: Topology) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == "out" }!.metrics
    }

    /// A CA and a `localhost` certificate it signed, made with the openssl command in `dir`:
    /// `ca.pem`, `cert.pem`, `key.pem`.
    static func makeCertificates(in dir: String) throws {
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            guard (try? process.run()) != nil else { throw XCTSkip("openssl is not available to make test certificates") }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw XCTSkip("openssl failed: \(arguments.joined(separator: " "))") }
        }
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                     "-subj", "/CN=pipectl test CA"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=DNS:localhost\n".write(toFile: "\(dir)/san.ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem",
                     "-days", "1", "-extfile", "san.ext"])
    }
}
