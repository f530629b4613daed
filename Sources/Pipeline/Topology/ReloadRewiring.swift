import Logging

/// The edges of a reloaded graph: which running edges are reused, which are new, and what each
/// kept producer lane swaps to.
struct ReloadRewiring {
    let metrics: [String: ComponentMetrics]
    let inboxes: [String: StageInbox]
    let wiring: TopologyWiring
    /// `ports[id][lane][port]` of every producer of the new file.
    let ports: [String: [[[Edge]]]]
    /// Kept producers' lanes: the edges they send on from now on, and those they give up.
    let swaps: [(lane: EmitterLane, edges: [[Edge]], retired: [Edge])]
    /// Kept components with an edge made or given up (the report's `rewired`).
    let touched: Set<String>

    /// Makes the new graph's inboxes and edges; rings are added to kept inboxes, nothing is swapped yet.
    init(plan: ReloadPlan, running old: [String: RunningComponent], new: PipelineConfig, logger: Logger) {
        var metrics: [String: ComponentMetrics] = [:]
        var inboxes: [String: StageInbox] = [:]
        for c in new.components {
            metrics[c.id] = old[c.id]?.context.metrics ?? ComponentMetrics(id: c.id)
            if c.role != .input { inboxes[c.id] = plan.kept.contains(c.id) ? old[c.id]!.inbox! : TopologyWiring.inbox(c) }
        }
        let wiring = TopologyWiring(config: new, logger: logger, metrics: metrics, inboxes: inboxes)
        var reused = Set<ObjectIdentifier>()
        let ports = wiring.edges { producer, lane, port, downstream in
            guard plan.kept.contains(producer), plan.kept.contains(downstream),
                  let lanes = old[producer]?.emitter?.lanes, lane < lanes.count, case let existing = lanes[lane].ports,
                  port < existing.count,
                  let edge = existing[port].first(where: { $0.downstream == downstream && !reused.contains(ObjectIdentifier($0)) })
            else { return nil }
            reused.insert(ObjectIdentifier(edge))
            return edge
        }
        // Kept producers' lanes: the edges they send on from now on, and those they give up.
        var swaps: [(lane: EmitterLane, edges: [[Edge]], retired: [Edge])] = []
        var touched = Set<String>()
        for id in plan.kept.sorted() {
            guard let emitter = old[id]!.emitter else { continue }
            for (i, lane) in emitter.lanes.enumerated() {
                let edges = ports[id]![i]
                let retired = lane.ports.joined().filter { !reused.contains(ObjectIdentifier($0)) }
                let created = edges.joined().filter { !reused.contains(ObjectIdentifier($0)) }
                if !retired.isEmpty || !created.isEmpty { touched.insert(id) }
                touched.formUnion(retired.map(\.downstream))
                swaps.append((lane, edges, retired))
            }
        }
        // Kept consumers fed by new edges (from new stages, or from kept ones rewired above).
        touched.formUnion(ports.values.flatMap { $0.joined().joined() }.filter { !reused.contains(ObjectIdentifier($0)) }.map(\.downstream))
        self.metrics = metrics
        self.inboxes = inboxes
        self.wiring = wiring
        self.ports = ports
        self.swaps = swaps
        self.touched = touched
    }
}
