import Logging

extension Topology {
    /// Applies `new` to the running pipeline, touching only what differs (`ReloadPlan`).
    ///
    /// Kept components go on running with their state, buffers and connections; their edges
    /// are swapped between two sends. Old stages of changed and removed components drain like
    /// at shutdown (inputs stop, transforms flush, outputs deliver what they hold, within
    /// `shutdown_timeout`) while the new ones start: a changed output or input starts once its
    /// old stage has ended, so files and ports pass from one to the other, and what arrives
    /// meanwhile waits in its new inbox. A new stage that fails to start falls back to the
    /// component's previous options.
    public func reload(to new: PipelineConfig) async -> ReloadReport {
        guard reloading.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            return ReloadReport(outcome: .refused, errors: ["a reload is already under way"])
        }
        defer { reloading.store(false, ordering: .relaxed) }
        guard state == .running else { return ReloadReport(outcome: .refused, errors: ["the pipeline is \(state)"]) }
        let (running, old) = graph.withLockedValue { ($0.config, $0.components) }
        let reasons = ReloadPlan.restartReasons(running: running, new: new)
        guard reasons.isEmpty else { return ReloadReport(outcome: .refused, errors: reasons) }

        let plan = ReloadPlan(running: old.mapValues(\.declaration), new: new)
        let rewiring = ReloadRewiring(plan: plan, running: old, new: new, logger: logger)
        let (ports, inboxes, metrics, wiring, touched) = (rewiring.ports, rewiring.inboxes, rewiring.metrics, rewiring.wiring, rewiring.touched)
        var report = ReloadReport(outcome: .applied)
        report.added = new.components.map(\.id).filter(plan.added.contains)
        report.changed = new.components.map(\.id).filter(plan.changed.contains)
        report.removed = plan.removed.sorted()
        report.rewired = new.components.map(\.id).filter { plan.kept.contains($0) && touched.contains($0) }
        report.unchanged = new.components.map(\.id).filter { plan.kept.contains($0) && !touched.contains($0) }
        if report.added.isEmpty, report.changed.isEmpty, report.removed.isEmpty, report.rewired.isEmpty {
            graph.withLockedValue { $0.config = new }
            report.outcome = .unchanged
            return report
        }

        // The new graph: kept components as they are, new ones built when their turn comes.
        var components: [String: RunningComponent] = [:]
        for c in new.components {
            if plan.kept.contains(c.id) {
                var kept = old[c.id]!
                kept.declaration = c
                components[c.id] = kept
                continue
            }
            let tap = c.role == .output ? nil : taps.withLockedValue { t in t[c.id] ?? { t[c.id] = TapPoint(componentID: c.id); return t[c.id]! }() }
            let emitter = ports[c.id].map { lanes in Emitter(lanes: lanes.map { EmitterLane(ports: $0, metrics: metrics[c.id]!, tap: tap!) }) }
            components[c.id] = RunningComponent(declaration: c, context: wiring.context(c, telemetry: telemetry),
                                                inbox: inboxes[c.id], emitter: emitter)
        }
        // Taps on components that no longer send anything end, with their totals line.
        let untapped = taps.withLockedValue { t in
            let gone = t.filter { components[$0.key]?.emitter == nil }
            t = t.filter { components[$0.key]?.emitter != nil }
            return gone.values
        }
        untapped.forEach { $0.unsubscribeAll() }
        let versions = rewiring.swaps.map { ($0.lane, $0.lane.replaceEdges($0.edges), $0.retired) }
        graph.withLockedValue { g in
            g.config = new
            g.components = components
        }
        telemetry.replace(new.components.map { components[$0.id]!.telemetryEntry })

        let timeout = new.shutdownTimeout, keptInboxes = inboxes.filter { plan.kept.contains($0.key) }
        let errors = await withTaskGroup(of: [String].self) { group in
            // Kept producers: once no send uses the old edges, close the rings they no longer feed.
            for (lane, version, retired) in versions where !retired.isEmpty {
                group.addTask {
                    await lane.waitUntilSendsLeave(version: version)
                    for edge in retired {
                        edge.ring.close()
                        keptInboxes[edge.downstream]?.ringsClosed()
                    }
                    return []
                }
            }
            for (id, component) in old where plan.changed.contains(id) || plan.removed.contains(id) {
                group.addTask {
                    await self.retire(component, timeout: timeout)
                    return plan.changed.contains(id) ? await self.startRebuilt(id, previous: component.declaration) : []
                }
            }
            for id in plan.added {
                group.addTask { await self.startRebuilt(id, previous: nil) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        report.errors = errors
        if !errors.isEmpty { report.outcome = .failed }
        return report
    }
}

extension Topology {
    /// Ends the old stage of a changed or removed component: an input is stopped; a transform
    /// or output ends once every ring into it has closed and it has drained them, or is
    /// cancelled after `timeout` (what it still held is counted `dropped{reason="reload"}`).
    private func retire(_ component: RunningComponent, timeout: Duration) async {
        guard let task = component.task else { return }
        if component.role == .input { task.cancel() }
        if await Self.ends(task, within: timeout) { return }
        logger.warning("reload: \(component.role.section).\(component.id) did not drain within shutdown_timeout (\(timeout.formatted)); stopping it")
        component.inbox?.budget.abandon()
        task.cancel()
        _ = await Self.ends(task, within: .seconds(1))
        if let left = component.inbox?.eventCount, left > 0 {
            component.context.metrics.dropCounter("reload").wrappingIncrement(by: left, ordering: .relaxed)
        }
    }

    /// True when `task` ends within `timeout`.
    private static func ends(_ task: Task<Void, Never>, within timeout: Duration) async -> Bool {
        let (ended, done) = AsyncStream<Void>.makeStream()
        Task { await task.value; done.finish() }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await _ in ended {}; return true }
            group.addTask { (try? await Task.sleep(for: timeout)) == nil ? false : true }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Builds, prepares and starts the new stage of `id`; when that fails, the stage of
    /// `previous` (the options that ran before). Returns what failed.
    private func startRebuilt(_ id: String, previous: ComponentDeclaration?) async -> [String] {
        guard var component = graph.withLockedValue({ $0.components[id] }) else { return [] }
        var errors: [String] = []
        for declaration in [component.declaration] + (previous.map { [$0] } ?? []) {
            do {
                let stage = try component.build(declaration)
                try await stage.prepare()
                component.stage = stage
                component.declaration = declaration
                break
            } catch {
                errors.append("\(error)")
            }
        }
        if !errors.isEmpty {
            let fallback = component.stage != nil ? "; it runs with its previous options" : "; it is not running"
            errors[errors.count - 1] += fallback
            logger.error("reload: \(errors.joined(separator: "; "))")
        }
        let stopping = state != .running
        graph.withLockedValue { g in
            guard !g.finished, g.components[id] != nil else { return }
            if stopping, component.role == .input {
                // Shutdown began meanwhile: a new input would outlive it.
                component.stage = nil
                component.emitter?.close()
            } else if component.stage != nil {
                component.start()
            } else {
                // Nothing may hold up the upstreams, nor keep downstreams waiting for this end.
                component.startDropping(reason: "output_stopped")
                component.emitter?.close()
            }
            if let task = component.task { g.tasks.append(task) }
            g.components[id] = component
        }
        return errors
    }
}
