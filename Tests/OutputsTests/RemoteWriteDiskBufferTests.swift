import Codecs
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
@testable import Outputs
@testable import Pipeline
import PipelineTesting
import XCTest

/// The disk-buffered remote-write loop over a scripted transport: what is stored, when it is
/// released, and what a restart on the same `data_dir` replays.
final class RemoteWriteDiskBufferTests: XCTestCase {
    private var dataDirectory = ""

    override func setUp() async throws {
        dataDirectory = try temporaryDirectory(self).path
    }

    // MARK: Tests

    func testAcknowledgesOnceStoredAndReleasesOnlyAfterDelivery() async throws {
        do {
            let transport = DiskTestTransport(down: true)
            let acks = AckRecorder()
            let run = try start(transport, batches: (0..<4).map { batch(series: 5, time: 1000 + Int64($0), acks: acks) })
            try await waitUntil { run.disk.buffer.stats.events == 20 && transport.attempts > 0 }
            XCTAssertEqual(acks.statuses, Array(repeating: .delivered, count: 4), "acknowledged once appended, not delivered")
            XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 0)
            await run.stop()
            XCTAssertEqual(run.metrics.dropCounts.filter { $0.1 > 0 }.map(\.0), [], "what stays on disk is not dropped")
            XCTAssertEqual(run.disk.buffer.stats.events, 20, "nothing released while the receiver was down")
        }

        // A new output on the same data_dir replays the four records, then releases them.
        let up = DiskTestTransport(down: false)
        let again = try start(up, batches: [])
        try await waitUntil { again.disk.buffer.stats.events == 0 && again.finished }
        XCTAssertEqual(up.samples.count, 20)
        XCTAssertEqual(Set(up.samples).count, 20)
        XCTAssertGreaterThan(again.disk.buffer.stats.replayed, 0)
        XCTAssertEqual(again.metrics.sentEvents.load(ordering: .relaxed), 20)
    }

    func test413OnAReplayedRecordSplitsAtSeriesWithoutEncodingAgain() async throws {
        try await storeAndCrash(batches: [batch(series: 6, time: 1000)])
        let transport = DiskTestTransport(down: false)
        transport.script([.answer(413)])
        let run = try start(transport, batches: [], options: "concurrency: 1")
        try await waitUntil { run.finished }
        let bodies = transport.protobufs
        guard bodies.count == 3 else { return XCTFail("\(bodies.count) requests: not the whole, then two halves") }
        XCTAssertEqual(bodies[1] + bodies[2], bodies[0], "the halves are slices of the stored protobuf, in order")
        XCTAssertEqual(transport.samples.count, 12)
        XCTAssertEqual(Set(transport.samples.dropFirst(6)), Set(transport.samples.prefix(6)))
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 6)
        XCTAssertEqual(run.disk.buffer.stats.records, 0)
    }

    func test400DeadLettersTheReplayedRecordWithItsSeries() async throws {
        try await storeAndCrash(batches: [batch(series: 3, time: 1000)])
        let transport = DiskTestTransport(down: false)
        transport.script([.answer(400, "out of order sample")])
        let run = try start(transport, batches: [], options: "concurrency: 1")
        try await waitUntil { run.finished }
        XCTAssertEqual(run.metrics.dropCounts.first { $0.0 == "rejected" }?.1, 3)
        let text = try String(contentsOfFile: "\(dataDirectory)/dead_letter/rw.ndjson", encoding: .utf8)
        for i in 0..<3 {
            XCTAssertTrue(text.contains("\"name\":\"rw_disk\",\"labels\":{\"job\":\"test\",\"series\":\"\(i)\"}"), text)
        }
        XCTAssertEqual(run.disk.buffer.stats.records, 0, "a dead-lettered record is released")
    }

    func testDropNewestWhenFullDropsAndCountsTheRequest() async throws {
        let transport = DiskTestTransport(down: true)
        let acks = AckRecorder()
        let batches = (0..<40).map { batch(series: 20, time: 1000 + Int64($0), acks: acks) }
        let run = try start(transport, batches: batches, whenFull: .dropNewest, maxBytes: 4096, options: "batch: { max_events: 20 }\nconcurrency: 1")
        try await waitUntil { acks.statuses.count == 40 }
        let dropped = run.metrics.dropCounts.first { $0.0 == "buffer_full" }?.1 ?? 0
        XCTAssertGreaterThan(dropped, 0)
        XCTAssertEqual(dropped + run.disk.buffer.stats.events, 800, "every sample is stored or counted")
        XCTAssertEqual(acks.statuses.filter { $0 == .dropped }.count * 20, dropped)
        await run.stop()
    }

    func testBlockWhenFullWaitsForRoomThenStoresEverything() async throws {
        let transport = DiskTestTransport(down: true)
        let acks = AckRecorder()
        let batches = (0..<40).map { batch(series: 20, time: 1000 + Int64($0), acks: acks) }
        let run = try start(transport, batches: batches, whenFull: .block, maxBytes: 4096,
                            options: "batch: { max_events: 20 }\nconcurrency: 1")
        try await waitUntil { transport.attempts > 3 }
        let waiting = acks.statuses.count
        XCTAssertLessThan(waiting, 40, "the loop waits for room instead of reading on")
        XCTAssertLessThanOrEqual(run.disk.buffer.stats.bytes, 4096)
        transport.setDown(false)
        try await waitUntil { run.finished }
        XCTAssertEqual(acks.statuses, Array(repeating: .delivered, count: 40))
        XCTAssertEqual(Set(transport.samples).count, 800)
        XCTAssertEqual(run.metrics.dropCounts.filter { $0.1 > 0 }.map(\.0), [])
    }

    func testRecordMetadataRoundTripsAndRefusesOtherVersions() throws {
        var encoder = RemoteWriteEncoder()
        let b = batch(series: 2, time: 5)
        let entries = [RemoteWriteEntry(hash: 1, timestamp: 5, batch: 0, index: 0), RemoteWriteEntry(hash: 2, timestamp: 5, batch: 0, index: 1)]
        let payload = RemoteWritePayload(batches: [b], entries: entries[...], encoder: &encoder)
        var record = RemoteWriteRecord.make(payload, shard: 300)
        XCTAssertEqual(record.metadata, [1, 0xAC, 0x02] + varint(payload.size))
        let read = try XCTUnwrap(RemoteWriteRecord.read(record))
        XCTAssertEqual(read.shard, 300)
        XCTAssertEqual(read.payload.size, payload.size)
        XCTAssertEqual(read.payload.eventCount, 2)
        record.metadata[0] = 2
        XCTAssertNil(RemoteWriteRecord.read(record))
        record.metadata[0] = 1
        record.events = 3
        XCTAssertNil(RemoteWriteRecord.read(record), "a sample count that disagrees with the body")
    }

    func testAStoredRequestSplitsInsideASeriesByItsSampleFields() throws {
        var encoder = RemoteWriteEncoder()
        let batches = (0..<3).map { batch(series: 1, time: 1000 + Int64($0)) }
        let entries = (0..<3).map { RemoteWriteEntry(hash: 7, timestamp: 1000 + Int64($0), batch: UInt32($0), index: 0) }
        let payload = RemoteWritePayload(batches: batches, entries: entries[...], encoder: &encoder)
        let stored = try XCTUnwrap(RemoteWriteRecord.read(RemoteWriteRecord.make(payload, shard: 0))).payload
        let part = stored.subset([0, 2])
        XCTAssertEqual(part.eventCount, 2)
        let protobuf = Array(buffer: try XCTUnwrap(Snappy.uncompress(part.body)))
        XCTAssertEqual(protobuf.count, part.size)
        let decoded = try XCTUnwrap(RemoteWriteReader(protobuf)?.metrics())
        XCTAssertEqual((0..<decoded.count).map { decoded.records[$0].timestamp }, [1000, 1002])
        XCTAssertEqual(decoded.labels(of: 1).map { "\(decoded.string($0.name))=\(decoded.string($0.value))" }, ["job=test", "series=0"])
        var lines = ByteBuffer()
        stored.writeEvents(into: &lines)
        XCTAssertEqual(String(buffer: lines).split(separator: "\n").count, 3)
    }

    func testTheReaderRefusesWhatTheEncoderNeverWrites() {
        XCTAssertNil(RemoteWriteReader([0x0A, 0x05, 0x0A]), "a length past the end")
        XCTAssertNil(RemoteWriteReader([0x12, 0x00]), "a field other than timeseries")
        XCTAssertNil(RemoteWriteReader([0x0A, 0x02, 0x1A, 0x00]), "a field other than labels and samples in a series")
        XCTAssertEqual(RemoteWriteReader([])?.sampleCount, 0)
        // The allocation-free count a stored record is checked with agrees with the full scan.
        for bad in [[0x0A, 0x05, 0x0A], [0x12, 0x00], [0x0A, 0x02, 0x1A, 0x00], [0x0A, 0x04, 0x12, 0x00, 0x0A, 0x00]] as [[UInt8]] {
            XCTAssertNil(RemoteWriteReader.sampleCount(bad), "\(bad)")
            XCTAssertNil(RemoteWriteReader(bad), "\(bad)")
        }
        let good: [UInt8] = [0x0A, 0x06, 0x0A, 0x00, 0x12, 0x00, 0x12, 0x00, 0x0A, 0x02, 0x12, 0x00]
        XCTAssertEqual(RemoteWriteReader.sampleCount(good), 3)
        XCTAssertEqual(RemoteWriteReader(good)?.sampleCount, 3)
    }

    // MARK: Harness

    private func varint(_ v: Int) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(UInt64(v), to: &out)
        return out
    }

    /// `count` series `rw_disk{series="i"}`, one sample each at `time`, value i.
    private func batch(series count: Int, time: Int64, acks: AckRecorder? = nil) -> MetricBatch {
        var batch = MetricBatch(capacity: count)
        for i in 0..<count {
            batch.append(name: "rw_disk", labels: [("series", String(i)), ("job", "test")], value: Double(i), timestamp: time, kind: .gauge)
        }
        if let acks { batch.acknowledgements.add(acks.token()) }
        return batch
    }

    /// Runs an output over `batches` with the receiver down until they are on disk (one record
    /// per flush: one shard), then stops it.
    private func storeAndCrash(batches: [MetricBatch]) async throws {
        let run = try start(DiskTestTransport(down: true), batches: batches, options: "concurrency: 1")
        let events = batches.reduce(0) { $0 + $1.count }
        try await waitUntil { run.disk.buffer.stats.events == events }
        await run.stop()
    }

    private func options(_ text: String) throws -> DeliveryOptions {
        let registry = ComponentRegistry(TestComponents().registry.types + [RemoteWriteOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: metric_source }
            outputs:
              rw:
                type: prometheus_remote_write
                inputs: [src]
                url: http://127.0.0.1:1/api/v1/write
                retry: { initial_backoff: 5ms, max_backoff: 20ms }
            \(text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let declaration = try XCTUnwrap(outcome.config?.component("rw"))
        return try XCTUnwrap(declaration.config as? RemoteWriteOutputConfig).delivery
    }

    private func start(_ transport: DiskTestTransport, batches: [MetricBatch], whenFull: BufferConfig.WhenFull = .block,
                       maxBytes: Int = 1 << 20, options text: String = "") throws -> DiskRun {
        let delivery = try options(text)
        var config = BufferConfig()
        config.kind = .disk
        config.diskMaxBytes = maxBytes
        config.fsync = .always
        config.whenFull = whenFull
        let metrics = ComponentMetrics(id: "rw")
        let log = RateLimitedLogger(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let disk = try DeliveryDiskBuffer(id: "rw", name: "prometheus_remote_write(rw)", config: config, dataDirectory: dataDirectory, metrics: metrics, log: log)
        let inbox = StageInbox(maxEvents: 1_000_000)
        let ring = inbox.makeRing()
        for b in batches {
            var slot: EventBatch? = .metrics(b)
            XCTAssertTrue(ring.tryPush(&slot))
        }
        ring.close()
        let context = OutputContext(id: "rw", metrics: metrics, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                    inbox: inbox)
        let wire = RemoteWriteStoredProtocol<DiskTestTransport>(classifier: DeliveryHTTPClassifier(name: "rw", endpoint: transport.endpoint))
        let driver = DeliveryDriver(name: "prometheus_remote_write(rw)", wire: wire, transport: transport, policy: delivery.retry,
                                    maxRequestSize: delivery.batch.maxBytes,
                                    deadLetter: DeliveryDeadLetter(dataDirectory: dataDirectory, output: "rw"),
                                    metrics: metrics, log: log, clock: ContinuousClock())
        let done = NIOLockedValueBox(false)
        let task = Task {
            await RemoteWriteOutput.run(context, driver: driver, delivery: delivery, disk: disk)
            done.withLockedValue { $0 = true }
        }
        return DiskRun(disk: disk, metrics: metrics, task: task, done: done)
    }

    private func waitUntil(seconds: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { throw PipectlError("condition not met within \(seconds)s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A running disk-buffered output.
private struct DiskRun {
    let disk: DeliveryDiskBuffer
    let metrics: ComponentMetrics
    let task: Task<Void, Never>
    let done: NIOLockedValueBox<Bool>

    var finished: Bool { done.withLockedValue { $0 } }

    /// Cancels the output (as `shutdown_timeout` does) and waits for it.
    func stop() async {
        task.cancel()
        await task.value
    }
}

/// Completion statuses of acknowledgement tokens, in completion order.
private final class AckRecorder: Sendable {
    private let box = NIOLockedValueBox<[AckStatus]>([])
    var statuses: [AckStatus] { box.withLockedValue { $0 } }
    func token() -> AckToken { AckToken { status in self.box.withLockedValue { $0.append(status) } } }
}

/// A receiver that is down (network error) or answers from a script, then 200; keeps every
/// request's protobuf and the samples of the requests it accepted.
private final class DiskTestTransport: DeliveryTransport {
    let endpoint = "http://receiver.test/api/v1/write"
    private let state = NIOLockedValueBox<(down: Bool, script: [DeliveryResult<DeliveryHTTPResponse>], protobufs: [[UInt8]],
                                           samples: [String], attempts: Int)>((false, [], [], [], 0))

    init(down: Bool) { state.withLockedValue { $0.down = down } }

    func setDown(_ down: Bool) { state.withLockedValue { $0.down = down } }

    func script(_ results: [DeliveryResult<DeliveryHTTPResponse>]) { state.withLockedValue { $0.script = results } }
    var attempts: Int { state.withLockedValue { $0.attempts } }
    var protobufs: [[UInt8]] { state.withLockedValue { $0.protobufs } }
    /// Every sample of accepted and refused requests, as `series=i@timestamp`.
    var samples: [String] { state.withLockedValue { $0.samples } }

    func send(_ request: DeliveryHTTPRequest) async -> DeliveryResult<DeliveryHTTPResponse> {
        state.withLockedValue { s in
            s.attempts += 1
            if s.down { return .failure("connection refused") }
            let protobuf = Array(buffer: Snappy.uncompress(request.body)!)
            s.protobufs.append(protobuf)
            let batch = RemoteWriteReader(protobuf)!.metrics()!
            for i in 0..<batch.count {
                let label = batch.labels(of: i).first { batch.string($0.name) == "series" }.map { batch.string($0.value) } ?? "?"
                s.samples.append("series=\(label)@\(batch.records[i].timestamp)")
            }
            return s.script.isEmpty ? .answer(200) : s.script.removeFirst()
        }
    }

    func shutdown() async {}
}
