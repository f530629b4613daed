/// Checks the edges of a pipeline: references, ports, cycles, event kinds, dangling ends.
struct GraphValidator {
    let config: PipelineConfig
    let diagnostics: ConfigDiagnostics

    func validate() {
        checkReferences()
        if let cycle = findCycle() {
            let first = config.component(cycle[0])!
            report(first, first.inputsPosition, "cycle: \(cycle.joined(separator: " -> "))")
            return
        }
        checkKinds()
        // With a component left out (bad type), who reads whom is not known: no warnings.
        if config.undecodable.isEmpty { checkDanglingEnds() }
    }

    private func report(_ c: ComponentDeclaration, _ at: SourcePosition, _ message: String,
                        key: String = "inputs", severity: ConfigDiagnostic.Severity = .error) {
        let path = key.isEmpty ? "\(c.role.section).\(c.id)" : "\(c.role.section).\(c.id).\(key)"
        diagnostics.report(line: at.line, column: at.column, path: path, message, severity: severity)
    }

    private func checkReferences() {
        let ids = config.components.map(\.id) + config.undecodable.sorted()
        for c in config.components where c.role != .input {
            if c.upstreams.isEmpty {
                let what = c.role == .output ? "output" : "transform"
                report(c, c.position, "\(what) '\(c.id)' has no inputs (add inputs: [some_input])", key: "")
            }
            for ref in c.upstreams where !config.undecodable.contains(ref.id) {
                guard let upstream = config.component(ref.id) else {
                    var message = "unknown component '\(ref.id)' in inputs"
                    if let hint = ConfigValues.suggestion(for: ref.id, among: ids) { message += "; did you mean '\(hint)'?" }
                    report(c, c.inputsPosition, message)
                    continue
                }
                if upstream.role == .output {
                    report(c, c.inputsPosition, "'\(ref.id)' is an output; outputs produce no events to read")
                }
                if ref.id == c.id {
                    continue
                }
                if let port = ref.port, !upstream.config.ports.contains(port) {
                    let ports = upstream.config.ports
                    let known = ports.isEmpty ? "it has no named ports" : "its ports: \(ports.joined(separator: ", "))"
                    report(c, c.inputsPosition, "'\(ref.id)' has no port '\(port)' (\(known))")
                }
            }
        }
    }

    /// The first cycle found, as ids from a component back to itself.
    private func findCycle() -> [String]? {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                let start = stack.firstIndex(of: id)!
                return Array(stack[start...]) + [id]
            }
            state[id] = 1
            stack.append(id)
            for next in config.downstreams(of: id) {
                if let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            state[id] = 2
            return nil
        }
        for c in config.components {
            if let cycle = visit(c.id) { return cycle }
        }
        return nil
    }

    /// Infers what each component emits and checks every edge against what its reader accepts.
    private func checkKinds() {
        var produced: [String: EventKinds] = [:]
        func kinds(_ id: String) -> EventKinds {
            if let known = produced[id] { return known }
            guard let c = config.component(id) else { return [] }
            let result: EventKinds
            switch c.type.produces {
            case .fixed(let kind): result = EventKinds(kind)
            case .none: result = []
            case .sameAsInput:
                produced[id] = []
                result = c.upstreams.reduce(EventKinds()) { $0.union(kinds($1.id)) }.intersection(c.type.accepts)
            }
            produced[id] = result
            return result
        }
        for c in config.components where c.role != .input {
            for ref in c.upstreams {
                guard config.component(ref.id) != nil else { continue }
                let upstreamKinds = kinds(ref.id)
                let unaccepted = upstreamKinds.subtracting(c.type.accepts)
                guard !unaccepted.isEmpty else { continue }
                let upstreamType = config.component(ref.id)!.type.name
                report(c, c.inputsPosition,
                       "'\(ref.id)' (\(upstreamType)) produces \(unaccepted) but \(c.type.name) '\(c.id)' accepts only \(c.type.accepts)")
            }
        }
    }

    private func checkDanglingEnds() {
        for c in config.components where c.role != .output && config.downstreams(of: c.id).isEmpty {
            report(c, c.position, "nothing reads '\(c.id)': its events are discarded", key: "", severity: .warning)
        }
    }
}
