import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The cloudwatch_logs output against moto's AWS API emulator, with SigV4 enforced: events
/// read back with boto3 `get_log_events`, requests checked as moto recorded them.
final class CloudWatchLogsMotoTests: XCTestCase {
    private typealias T = CloudWatchLogsTesting

    private func options(_ moto: MotoServer, secret: String? = nil) -> String {
        """
        region: us-east-1
        endpoint: \(moto.endpoint)
        group_name: "/pipectl/{{ appname }}"
        stream_name: "{{ hostname }}"
        auth: { access_key_id: \(moto.accessKeyID), secret_access_key: "\(secret ?? moto.secretAccessKey)" }
        """
    }

    /// 9,000 events of 200-byte messages (`big`, over 1 MiB) and 11,000 of short ones (`many`,
    /// over 10,000 events), arriving newest first within each input batch: moto sees requests
    /// within both limits, each chronological; the group and both streams are created; every
    /// event reads back in timestamp order, message as sent (multi-byte UTF-8 included).
    func testSplitsBatchesKeepsOrderAndCreatesTheGroupAndStreams() async throws {
        let dir = try temporaryDirectory(self).path
        let moto = try await MotoServer(self, directory: dir)
        let epoch = T.recentEpoch()
        func message(_ host: String, _ id: Int) -> String {
            host == "big" ? "é \(id) " + String(repeating: "x", count: 190) : "m\(id)"
        }
        var batches: [EventBatch] = []
        for first in stride(from: 0, to: 20_000, by: 500) {
            var batch = LogBatch()
            for id in (first..<first + 500).reversed() {
                let host = id % 20 < 9 ? "big" : "many"
                let i = batch.append(timestamp: epoch + Int64(id) * 1_000_000, message: message(host, id))
                batch.setField(i, .known(.appname), .bytes(batch.store("web")))
                batch.setField(i, .known(.hostname), .bytes(batch.store(host)))
            }
            batches.append(.logs(batch))
        }
        let topology = try await T.topology(self, options: options(moto), batches: batches)
        try await withTimeout(seconds: 120) { await topology.run() }
        let metrics = T.metrics(topology)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 20_000)
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0)
        XCTAssertEqual(metrics.errorCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["http_4xx=3"], "the missing group and streams")

        for host in ["big", "many"] {
            let ids = (0..<20_000).filter { ($0 % 20 < 9) == (host == "big") }
            let events = try await moto.events(group: "/pipectl/web", stream: host)
            XCTAssertEqual(events.count, ids.count, host)
            XCTAssertEqual(events.map(\.timestamp), ids.map { (epoch + Int64($0) * 1_000_000) / 1_000_000 }, "\(host) in order")
            XCTAssertEqual(events.map(\.message), ids.map { message(host, $0) }, host)
        }
        let requests = try await moto.requests()
        let puts = requests.filter { $0["target"] as? String == "PutLogEvents" }
        XCTAssertEqual(requests.compactMap { $0["target"] as? String }.filter { $0.hasPrefix("Create") },
                       ["CreateLogGroup", "CreateLogStream", "CreateLogStream"])
        for put in puts {
            XCTAssertLessThanOrEqual(put["events"] as? Int ?? .max, 10_000)
            XCTAssertLessThanOrEqual(put["bytes"] as? Int ?? .max, 1_048_576)
            XCTAssertEqual(put["chronological"] as? Bool, true)
        }
        let stored = puts.filter { ($0["events"] as? Int ?? 0) > 0 }
        XCTAssertGreaterThan(stored.filter { $0["stream"] as? String == "big" }.count, 1, "over 1 MiB: split by bytes")
        XCTAssertGreaterThan(stored.filter { $0["stream"] as? String == "many" }.count, 1, "over 10,000 events: split by count")
        XCTAssertGreaterThan(puts.map { $0["bytes"] as? Int ?? 0 }.max() ?? 0, 512 * 1024, "requests are large, not one per input batch")
    }

    /// A wrong secret: moto refuses the signature (403 SignatureDoesNotMatch); the events go to
    /// the dead-letter file with the reason, and the secret appears in no log line or dead letter.
    func testAWrongSecretIsRefusedAndDeadLetteredWithoutTheSecret() async throws {
        let dir = try temporaryDirectory(self).path
        let moto = try await MotoServer(self, directory: dir)
        let epoch = T.recentEpoch()
        var batch = LogBatch()
        for id in 0..<10 {
            let i = batch.append(timestamp: epoch + Int64(id) * 1_000_000, message: "m\(id)")
            batch.setField(i, .known(.appname), .bytes(batch.store("web")))
            batch.setField(i, .known(.hostname), .bytes(batch.store("h")))
        }
        let logs = LogCapture()
        let data = try temporaryDirectory(self).path
        let wrong = "wrongSECRETwrongSECRETwrongSECRET0123456"
        let topology = try await T.topology(self, options: options(moto, secret: wrong), batches: [.logs(batch)], logs: logs,
                                            dataDirectory: data)
        try await withTimeout(seconds: 60) { await topology.run() }
        let metrics = T.metrics(topology)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(metrics.dropCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["rejected=10"])
        let deadLetters = try T.deadLetters(data)
        XCTAssertEqual(deadLetters.count, 11, "a header and the 10 events")
        XCTAssertTrue(deadLetters[0].contains("403 SignatureDoesNotMatch from \(moto.endpoint)"), deadLetters[0])
        for text in deadLetters + logs.messages {
            XCTAssertFalse(text.contains(wrong), text)
        }
        XCTAssertTrue(logs.messages.contains { $0.contains("SignatureDoesNotMatch") }, "\(logs.messages)")
    }
}
