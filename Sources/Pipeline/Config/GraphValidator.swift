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

    /// Infers what each component emits (per port) and checks every edge against what its
    /// reader accepts.
    private func checkKinds() {
        var produced: [String: EventKinds] = [:]
        var visiting: Set<String> = []
        /// What `c` emits on its default port: what `sameAsInput` passes on.
        func kinds(_ id: String) -> EventKinds {
            if let known = produced[id] { return known }
            guard let c = config.component(id), !visiting.contains(id) else { return [] }
            visiting.insert(id)
            defer { visiting.remove(id) }
            let result = kinds(of: c, c.type.produces)
            produced[id] = result
            return result
        }
        func kinds(of c: ComponentDeclaration, _ produces: ProducedKind) -> EventKinds {
            switch produces {
            case .fixed(let kind): EventKinds(kind)
            case .kinds(let set): set
            case .none: []
            case .sameAsInput: c.upstreams.reduce(EventKinds()) { $0.union(kinds(reading: $1)) }.intersection(c.type.accepts)
            }
        }
        /// What the edge `ref` carries: its port's kinds, or the default port's.
        func kinds(reading ref: UpstreamRef) -> EventKinds {
            guard let upstream = config.component(ref.id) else { return [] }
            guard let port = ref.port, let produces = upstream.type.portProduces[port] else { return kinds(ref.id) }
            return kinds(of: upstream, produces)
        }
        for c in config.components where c.role != .input {
            for ref in c.upstreams {
                guard let upstream = config.component(ref.id) else { continue }
                let unaccepted = kinds(reading: ref).subtracting(c.type.accepts)
                guard !unaccepted.isEmpty else { continue }
                var message = "'\(ref.description)' (\(upstream.type.name)) produces \(unaccepted) but \(c.type.name) '\(c.id)' accepts only \(c.type.accepts)"
                let ports = upstream.type.portProduces.filter { kinds(of: upstream, $0.value).isSubset(of: c.type.accepts) }.keys.sorted()
                if ref.port == nil, !ports.isEmpty {
                    message += "; read one of its ports: " + ports.map { "\(ref.id).\($0)" }.joined(separator: ", ")
                }
                report(c, c.inputsPosition, message)
            }
        }
    }

    private func checkDanglingEnds() {
        for c in config.components where c.role != .output && config.downstreams(of: c.id).isEmpty {
            report(c, c.position, "nothing reads '\(c.id)': its events are discarded", key: "", severity: .warning)
        }
    }
}
