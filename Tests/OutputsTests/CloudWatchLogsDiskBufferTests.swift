import Atomics
@testable import Outputs
import Pipeline
import XCTest

/// With a disk buffer, a batch's record may be released only once every PutLogEvents request
/// made of its events is settled, however many streams (requests) one flush makes of it.
final class CloudWatchLogsDiskBufferTests: XCTestCase {
    func testABatchSplitOverStreamsIsReleasedAfterItsLastRequest() {
        let completions = ManagedAtomic<Int>(0)
        var batch = LogBatch()
        batch.acknowledgements.add(AckToken { _ in completions.wrappingIncrement(ordering: .relaxed) })
        for (n, stream) in ["a", "b", "a", "c"].enumerated() {
            let i = batch.append(timestamp: 1_795_975_200_000_000_000 + Int64(n), message: "m\(n)")
            batch.setField(i, .known(.hostname), .bytes(batch.store(stream)))
        }
        var key = CloudWatchLogsStreamKey(group: FieldTemplate.parse("g").template!,
                                          stream: FieldTemplate.parse("{{hostname}}").template!)
        var shard = CloudWatchLogsShard(names: key, encoder: CloudWatchLogsEncoder(), holdsAcknowledgements: true)
        for i in 0..<batch.count { shard.append(i, of: batch, sourceID: 0, key: key.key(batch, i).key) }
        let payloads = shard.take()
        XCTAssertEqual(payloads.map(\.streamName), ["a", "b", "c"])

        // The inbox loop lets go of its own hold once the events are in the shard.
        batch.acknowledgements.release(.delivered)
        for payload in payloads.dropLast() {
            for held in payload.batches { held.acknowledgements.release(.delivered) }
            XCTAssertEqual(completions.load(ordering: .relaxed), 0, "released before every request was settled")
        }
        for held in payloads.last!.batches { held.acknowledgements.release(.delivered) }
        XCTAssertEqual(completions.load(ordering: .relaxed), 1)
    }
}
