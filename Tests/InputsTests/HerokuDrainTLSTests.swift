import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// The drain's `tls` through the shared `ServerTLSOptions`: `verify_client` with `ca`.
final class HerokuDrainTLSTests: XCTestCase {
    private static let frame = "<190>1 2024-05-01T00:00:00+00:00 host app web.1 - hello\n"

    /// curl's exit status and the HTTP status it printed ("000" when no answer came).
    private static func post(_ port: Int, _ certs: TLSTestCertificates, clientCertificate: Bool) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", certs.ca,
                         "-X", "POST", "-H", "Content-Type: application/logplex-1",
                         "--data-binary", "\(frame.utf8.count) \(frame)", "https://localhost:\(port)/"]
        if clientCertificate { arguments += ["--cert", certs.clientCert, "--key", certs.clientKey] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, status)
    }

    func testVerifyClientServesOnlyClientsWithACertificateSignedByTheCA() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw XCTSkip("curl is not available") }
        let certs = try TLSTestCertificates(self)
        let port = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(certs.directory)/data
        shutdown_timeout: 1s
        inputs:
          in: { type: heroku_drain, listen: "127.0.0.1:\(port)",
                tls: { cert: \(certs.serverCert), key: \(certs.serverKey), ca: \(certs.ca), verify_client: true } }
        outputs:
          out: { type: capture, inputs: [in] }
        """, types: [HerokuDrainInputConfig.componentType])
        addTeardownBlock { try? await pipeline.stop() }
        let out = pipeline.capture()
        try await withTimeout(seconds: 60) {
            // Requests before the input runs get 503: wait for the first 204.
            try await eventually("a client with a certificate gets 204") {
                try Self.post(port, certs, clientCertificate: true) == (0, "204")
            }
            try await eventually("its frame arrives") { out.messages == ["hello"] }
            let (exit, status) = try Self.post(port, certs, clientCertificate: false)
            XCTAssertNotEqual(exit, 0, "curl without a client certificate failed")
            XCTAssertEqual(status, "000", "no HTTP answer without a client certificate")
            XCTAssertEqual(out.eventCount, 1)
        }
    }
}
