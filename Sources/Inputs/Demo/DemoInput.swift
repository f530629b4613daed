import Pipeline

/// `demo`: generates Heroku-style router, runtime-metrics and app lines, deterministically.
///
/// - rate (events/s, default 10; 0 = as fast as the pipeline takes them)
/// - count (events, default 0 = endless)
/// - seed (integer, default 42): the same seed gives the same lines in the same order.
public struct DemoInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "demo", role: .input, produces: .fixed(.log)) {
        DemoInputConfig(reader: $0)
    }

    let rate: Int
    let count: Int
    let seed: UInt64

    init(reader: ConfigReader) {
        rate = reader.int("rate", default: 10, range: 0...100_000_000)
        count = reader.int("count", default: 0, range: 0...Int.max)
        seed = UInt64(reader.int("seed", default: 42, range: 0...Int.max))
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(DemoInput(rate: rate, count: count, seed: seed))
    }
}

/// Emits pool lines as log events with syslog-style fields, paced to `rate`.
public struct DemoInput: InputStage {
    let rate: Int
    let count: Int
    let generator: DemoLineGenerator

    public init(rate: Int, count: Int, seed: UInt64) {
        self.rate = rate
        self.count = count
        self.generator = DemoLineGenerator(seed: seed)
    }

    public func run(_ context: InputContext) async throws {
        let batchSize = rate == 0 ? 512 : max(1, min(512, rate / 20))
        let batchInterval: Duration = rate == 0 ? .zero : .nanoseconds(Int64(batchSize) * 1_000_000_000 / Int64(rate))
        var next = ContinuousClock.now
        var emitted = 0
        var position = 0
        while !Task.isCancelled, count == 0 || emitted < count {
            let n = count == 0 ? batchSize : min(batchSize, count - emitted)
            var batch = LogBatch(capacity: n)
            position = fill(&batch, count: n, from: position)
            context.metrics.receivedEvents.wrappingIncrement(by: n, ordering: .relaxed)
            context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
            await context.emit(.logs(consume batch))
            emitted += n
            if rate > 0 {
                next += batchInterval
                try await Task.sleep(until: next, clock: .continuous)
            }
        }
    }

    /// Appends `count` events starting at pool position `position`; returns the next position.
    public func fill(_ batch: inout LogBatch, count: Int, from position: Int) -> Int {
        let now = WallClock.nanoseconds()
        var p = position
        for k in 0..<count {
            let line = generator.pool[p]
            p = p + 1 == generator.pool.count ? 0 : p + 1
            let i = line.message.withUnsafeBytes { batch.append(timestamp: now + Int64(k), message: $0) }
            batch.appendField(i, .known(.facility), .int(19))
            batch.appendField(i, .known(.severity), .int(6))
            let appname = line.appname.withUnsafeBytes { batch.store($0) }
            batch.appendField(i, .known(.appname), .bytes(appname))
            let procid = line.procid.withUnsafeBytes { batch.store($0) }
            batch.appendField(i, .known(.procid), .bytes(procid))
        }
        return p
    }
}
