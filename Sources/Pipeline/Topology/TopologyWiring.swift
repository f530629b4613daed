import Logging

/// Makes the queues and edges a pipeline file declares, reusing those a reload keeps.
struct TopologyWiring {
    let config: PipelineConfig
    let logger: Logger
    /// Every component's counters (kept across reloads for the same id).
    let metrics: [String: ComponentMetrics]
    /// Every transform's and output's inbox.
    let inboxes: [String: StageInbox]

    /// `ports[id][lane][port]` for every producer: each producer lane has its own ring into
    /// each downstream. `reuse(producer, lane, port, downstream)` may give an edge that exists
    /// already (a reload keeps both ends); otherwise a new ring is made in the downstream's inbox.
    func edges(reuse: (String, Int, Int, String) -> Edge? = { _, _, _, _ in nil }) -> [String: [[[Edge]]]] {
        var ports: [String: [[[Edge]]]] = [:]
        for c in config.components where c.role != .output {
            let lanes = c.role == .input ? max(1, c.config.producerLanes) : 1
            ports[c.id] = Array(repeating: Array(repeating: [], count: 1 + c.config.ports.count), count: lanes)
        }
        for c in config.components where c.role != .input {
            for ref in c.upstreams {
                guard let upstream = config.component(ref.id) else { continue }
                let port = ref.port.flatMap { upstream.config.ports.firstIndex(of: $0).map { $0 + 1 } } ?? 0
                for lane in ports[ref.id]!.indices {
                    let edge = reuse(ref.id, lane, port, c.id)
                        ?? Edge(ring: inboxes[c.id]!.makeRing(), downstream: c.id, dropWhenFull: c.buffer.whenFull == .dropNewest,
                                downstreamMetrics: metrics[c.id]!, logger: logger)
                    ports[ref.id]![lane][port].append(edge)
                }
            }
        }
        return ports
    }

    /// The context a stage of `c` is built with.
    func context(_ c: ComponentDeclaration, telemetry: PipelineTelemetry) -> StageContext {
        var componentLogger = logger
        componentLogger[metadataKey: "component"] = "\(c.id)"
        return StageContext(id: c.id, dataDirectory: config.dataDirectory, metrics: metrics[c.id]!,
                            logger: componentLogger, telemetry: telemetry, buffer: c.buffer)
    }

    /// A new inbox sized by `c`'s `buffer:`.
    static func inbox(_ c: ComponentDeclaration) -> StageInbox {
        StageInbox(maxEvents: c.buffer.maxEvents, maxBytes: c.buffer.maxBytes)
    }
}
