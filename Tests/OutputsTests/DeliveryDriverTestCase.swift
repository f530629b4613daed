@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// What the delivery driver tests share: a manual clock, a scripted transport, the
/// component's metrics, captured logs and a fresh data directory for dead letters.
class DeliveryDriverTestCase: XCTestCase {
    var clock: ManualClock!
    var transport: ScriptedTransport!
    var metrics: ComponentMetrics!
    var logs: LogCapture!
    var dataDirectory = ""

    override func setUp() async throws {
        clock = ManualClock()
        transport = ScriptedTransport()
        metrics = ComponentMetrics(id: "t")
        logs = LogCapture()
        dataDirectory = try temporaryDirectory(self).path
    }

    /// A driver of the fake protocol over the scripted transport, output `t`.
    func driver(policy: DeliveryRetryLogic.Policy = .init(), maxRequestSize: Int = .max,
                nowSeconds: Int64? = nil) -> DeliveryDriver<TestProtocol, ManualClock> {
        DeliveryDriver(name: "test(t)", wire: TestProtocol(endpoint: transport.endpoint, nowSeconds: nowSeconds),
                       transport: transport, policy: policy, maxRequestSize: maxRequestSize,
                       deadLetter: DeliveryDeadLetter(dataDirectory: dataDirectory, output: "t"), metrics: metrics,
                       log: RateLimitedLogger(logger: logs.logger(), burst: 100), clock: clock, random: { 0.5 })
    }

    /// The dead-letter file's lines.
    func deadLetterText() throws -> [Substring] {
        try String(contentsOfFile: "\(dataDirectory)/dead_letter/t.ndjson", encoding: .utf8).split(separator: "\n")
    }
}
