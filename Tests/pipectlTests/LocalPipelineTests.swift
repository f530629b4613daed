import Foundation
import PipelineTesting
import XCTest

/// The README's first command runs `pipelines/local.yaml`: within an l2met interval its
/// exporter shows the main job's metrics, beside the NDJSON file and pipectl's own metrics.
final class LocalPipelineTests: XCTestCase {
    func testTheDefaultPipelineExportsRouterLatencyRequestCountsAndDynoMemory() throws {
        let dir = try temporaryDirectory(self)
        let pipeline = Pipectl.packageRoot.appendingPathComponent("pipelines/local.yaml").path
        // A free port can be taken between the probe and the bind: start again on other ports then.
        var process: PipectlProcess!, api = 0, exporter = 0
        for _ in 0..<3 {
            api = try freeLoopbackPort()
            repeat { exporter = try freeLoopbackPort() } while exporter == api
            process = try PipectlProcess(["run", pipeline], in: dir, environment: [
                "PIPECTL_DATA_DIR": dir.appendingPathComponent("data").path,
                "PIPECTL_API_LISTEN": "127.0.0.1:\(api)",
                "PIPECTL_EXPORTER_LISTEN": "127.0.0.1:\(exporter)",
            ])
            waitUntil("the exporter answers or pipectl exits", timeout: 15) {
                !process.process.isRunning || (try? httpGet(port: exporter, path: "/metrics")) != nil
            }
            if process.process.isRunning { break }
            let failed = process.wait(timeout: 5)
            XCTAssertTrue(failed.stderr.contains("Address already in use"), failed.stderr)
        }
        let wanted = [#"router_service_seconds{dyno="web.1",quantile="0.99""#, #"http_requests_total{dyno="web.1",method="GET",status="200"}"#,
                      "memory_rss_bytes{", "pipectl_component_sent_events_total{"]
        var page = ""
        waitUntil("the main job's metrics on the exporter", timeout: 40) {
            page = (try? httpGet(port: exporter, path: "/metrics").body) ?? ""
            return wanted.allSatisfy { page.contains($0) }
        }
        for series in wanted { XCTAssertTrue(page.contains(series), "\(series) missing from:\n\(page.prefix(2000))") }
        let logs = dir.appendingPathComponent("data/out/demo.ndjson")
        waitUntil("parsed lines in the NDJSON file") { fileLines(logs).count > 0 }
        XCTAssertEqual(try httpGet(port: api, path: "/readyz").status, 200)
        process.signal(SIGTERM)
        let result = process.wait(timeout: 15)
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
