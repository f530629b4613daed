import Atomics
import Pipeline

/// `blackhole`: counts events and discards them (benchmarks, dry runs).
///
/// - print_interval (duration, default 0 = never): logs the running count this often.
public struct BlackholeOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "blackhole", role: .output, accepts: .any, produces: .none) {
        BlackholeOutputConfig(reader: $0)
    }

    let printInterval: Duration

    init(reader: ConfigReader) {
        printInterval = reader.duration("print_interval", default: .zero)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .output(BlackholeOutput(printInterval: printInterval))
    }
}

/// Counts and discards every batch.
struct BlackholeOutput: OutputStage {
    let printInterval: Duration

    func run(_ context: OutputContext) async throws {
        var nextReport = printInterval > .zero ? ContinuousClock.now + printInterval : nil
        while true {
            switch await context.inbox.next(deadline: nextReport) {
            case .batch(let batch):
                context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
                context.metrics.sentEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                batch.acknowledge(.delivered)
            case .timeout:
                context.logger.info("blackhole: \(context.metrics.receivedEvents.load(ordering: .relaxed)) events so far")
                nextReport = ContinuousClock.now + printInterval
            case .closed:
                return
            }
        }
    }
}
