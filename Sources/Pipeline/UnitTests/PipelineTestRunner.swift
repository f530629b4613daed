import Logging

/// Runs the `tests:` of a pipeline without sockets: each test's events enter at the named
/// component, flow through fresh transform stages (`finish` flushes windowed state), and
/// the expectations are checked against what each component emitted.
public struct PipelineTestRunner {
    let config: PipelineConfig

    public init(config: PipelineConfig) { self.config = config }

    /// Runs one test; returns its failures (empty when it passed).
    public func run(_ test: PipelineTestCase) -> [String] {
        var stages: [String: any TransformStage] = [:]
        let telemetry = PipelineTelemetry(startTime: 0)
        for c in config.components where c.role == .transform {
            let context = StageContext(id: c.id, dataDirectory: config.dataDirectory, metrics: ComponentMetrics(id: c.id),
                                       logger: Logger(label: "pipectl-test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                       telemetry: telemetry, buffer: c.buffer)
            do {
                guard case .transform(let stage) = try c.config.makeStage(context) else { continue }
                stages[c.id] = stage
            } catch {
                return ["transforms.\(c.id): \(error)"]
            }
        }
        var emitted: [String: [EventBatch]] = [:]
        func deliver(_ batch: EventBatch, from id: String, port: Int) {
            let portName = port == 0 ? nil : config.component(id).map { $0.config.ports[port - 1] }
            for c in config.components where c.upstreams.contains(where: { $0.id == id && $0.port == portName }) {
                guard var stage = stages[c.id] else {
                    emitted[c.id, default: []].append(batch)  // an output: what it received
                    continue
                }
                var output = TransformOutput()
                stage.process(batch, into: &output)
                stages[c.id] = stage
                forward(output, from: c.id)
            }
        }
        func forward(_ output: TransformOutput, from id: String) {
            for (port, batch) in output.batches {
                emitted[id, default: []].append(batch)
                deliver(batch, from: id, port: port)
            }
        }
        for input in test.inputs {
            if let (format, body) = input.encoded {
                guard let decoder = config.component(input.component)?.config as? any PipelineTestInputDecoding else {
                    return ["\(input.component) does not take '\(format)' test inputs"]
                }
                do {
                    let (batch, port) = try decoder.decodeTestInput(format: format, body: body)
                    emitted[input.component, default: []].append(batch)
                    deliver(batch, from: input.component, port: 0)
                    if let port { deliver(batch, from: input.component, port: port) }
                } catch {
                    return ["\(input.component): \(format) input: \(error)"]
                }
                continue
            }
            if let metric = input.metric {
                var batch = MetricBatch(capacity: 1)
                batch.append(name: metric.name, labels: metric.labels, value: metric.value,
                             timestamp: (input.timestamp ?? WallClock.nanoseconds()) / 1_000_000, kind: metric.kind)
                emitted[input.component, default: []].append(.metrics(batch))
                deliver(.metrics(batch), from: input.component, port: 0)
                continue
            }
            var batch = LogBatch(capacity: 1)
            let i = batch.append(timestamp: input.timestamp ?? WallClock.nanoseconds(), message: input.message)
            for (key, value) in input.fields {
                switch value {
                case .string(let s): batch.setField(i, FieldName(key), .bytes(batch.store(s)))
                case .int(let v): batch.setField(i, FieldName(key), .int(v))
                case .double(let v): batch.setField(i, FieldName(key), .double(v))
                case .bool(let v): batch.setField(i, FieldName(key), .bool(v))
                }
            }
            emitted[input.component, default: []].append(.logs(batch))
            deliver(.logs(batch), from: input.component, port: 0)
        }
        for id in topologicalOrder() {
            guard var stage = stages[id] else { continue }
            var output = TransformOutput()
            stage.finish(into: &output)
            stages[id] = stage
            forward(output, from: id)
        }
        return test.expectations.compactMap { PipelineTestMatcher.failure($0, emitted[$0.component] ?? []) }
    }

    /// Component ids with every upstream before its readers.
    private func topologicalOrder() -> [String] {
        var order: [String] = []
        var done: Set<String> = []
        func visit(_ id: String) {
            guard !done.contains(id), let c = config.component(id) else { return }
            done.insert(id)
            for ref in c.upstreams { visit(ref.id) }
            order.append(id)
        }
        config.components.forEach { visit($0.id) }
        return order
    }
}
