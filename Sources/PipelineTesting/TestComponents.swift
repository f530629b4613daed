import Logging
import NIOConcurrencyHelpers
import Pipeline

/// Component types for loading whole pipeline files in tests, and the stages they built.
///
/// | type           | role      | accepts | produces | options                         |
/// |----------------|-----------|---------|----------|---------------------------------|
/// | `sequence`     | input     |         | logs     | `source`, `count`, `batch_size` |
/// | `static`       | input     |         | logs     | (stage from `provide`)          |
/// | `metric_source`| input     |         | metrics  | `count`                         |
/// | `pass`         | transform | logs    | logs     |                                 |
/// | `same`         | transform | any     | as input | `ports`                         |
/// | `mutate`       | transform | any     | as input | (changes every event in place)  |
/// | `capture`      | output    | any     |          | `delay`                         |
/// | `metrics_sink` | output    | metrics |          | `delay`                         |
///
/// A stage handed to `provide(_:_:)` replaces the one the options describe. Without
/// `count`, `sequence` runs until shutdown.
public final class TestComponents: Sendable {
    private let provided = NIOLockedValueBox<[String: Stage]>([:])
    private let built = NIOLockedValueBox<[String: Stage]>([:])

    public init() {}

    /// Uses `stage` for the component `id` instead of building one from its options.
    public func provide(_ id: String, _ stage: Stage) { provided.withLockedValue { $0[id] = stage } }

    /// The stage built for component `id`.
    public func stage(_ id: String) -> Stage? { built.withLockedValue { $0[id] } }

    /// The `CapturingOutput` built for output `id`.
    public func capture(_ id: String) -> CapturingOutput? {
        guard case .output(let output)? = stage(id) else { return nil }
        return output as? CapturingOutput
    }

    /// A registry holding every test type.
    public var registry: ComponentRegistry {
        ComponentRegistry([
            type("sequence", .input, produces: .fixed(.log)) { r in
                let source = r.string("source"), count = r.has("count") ? r.int("count", default: 0, range: 0...1_000_000_000) : nil
                let batchSize = r.int("batch_size", default: 512, range: 1...1_000_000)
                return { c in .input(SequenceInput(source: source ?? c.id, count: count, batchSize: batchSize)) }
            },
            type("static", .input, produces: .fixed(.log)) { _ in { _ in .input(StaticInput([])) } },
            type("metric_source", .input, produces: .fixed(.metric)) { r in
                let count = r.int("count", default: 1, range: 0...1_000_000)
                return { _ in .input(StaticInput(count > 0 ? [TestBatches.metrics(count: count)] : [])) }
            },
            type("span_source", .input, produces: .fixed(.span)) { _ in { _ in .input(StaticInput([])) } },
            type("pass", .transform, accepts: .log, produces: .fixed(.log)) { _ in { _ in .transform(PassThroughTransform()) } },
            type("same", .transform, accepts: .any, produces: .sameAsInput, ports: { $0.stringList("ports") ?? [] }) { _ in
                { _ in .transform(PassThroughTransform()) }
            },
            type("mutate", .transform, accepts: .any, produces: .sameAsInput) { _ in { _ in .transform(MutatingTransform()) } },
            type("capture", .output, accepts: .any, produces: .none) { r in
                let delay = r.has("delay") ? r.duration("delay", default: .zero) : nil
                return { _ in .output(CapturingOutput(delay: delay)) }
            },
            type("metrics_sink", .output, accepts: .metric, produces: .none) { r in
                let delay = r.has("delay") ? r.duration("delay", default: .zero) : nil
                return { _ in .output(CapturingOutput(delay: delay)) }
            },
        ])
    }

    /// Loads pipeline `text` with this registry.
    public func load(_ text: String, file: String = "pipeline.yaml", environment: [String: String] = [:]) -> ConfigLoader.Outcome {
        ConfigLoader.load(text: text, file: file, registry: registry, environment: environment)
    }

    /// Loads pipeline `text` and builds its topology; throws the diagnostics when it has errors.
    public func topology(_ text: String, logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) throws -> Topology {
        let outcome = load(text)
        guard let config = outcome.config else {
            throw PipectlError(outcome.errors.map(\.description).joined(separator: "\n"))
        }
        return try Topology(config: config, logger: logger)
    }

    /// `type` with the same name and options, recording each stage it builds (see `stage(_:)`).
    public func recording(_ type: ComponentType) -> ComponentType {
        ComponentType(name: type.name, role: type.role, accepts: type.accepts, produces: type.produces,
                      portProduces: type.portProduces) { [built] reader in
            let config = type.decode(reader)
            return TestStageConfig(ports: config.ports, producerLanes: config.producerLanes) { context in
                let stage = try config.makeStage(context)
                built.withLockedValue { $0[context.id] = stage }
                return stage
            }
        }
    }

    private typealias Maker = @Sendable (StageContext) throws -> Stage

    private func type(_ name: String, _ role: ComponentRole, accepts: EventKinds = [], produces: ProducedKind,
                      ports: @escaping @Sendable (ConfigReader) -> [String] = { _ in [] },
                      _ decode: @escaping @Sendable (ConfigReader) -> Maker) -> ComponentType {
        ComponentType(name: name, role: role, accepts: accepts, produces: produces) { [provided, built] reader in
            let ports = ports(reader)
            let make = decode(reader)
            return TestStageConfig(ports: ports) { context in
                let stage = try provided.withLockedValue { $0[context.id] } ?? make(context)
                built.withLockedValue { $0[context.id] = stage }
                return stage
            }
        }
    }
}
