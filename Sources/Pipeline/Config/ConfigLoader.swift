import Foundation
import Yams

/// Loads a pipeline file: reads it, interpolates the environment, parses YAML, decodes
/// every component and validates the graph, collecting every problem before failing.
public enum ConfigLoader {
    /// What a load produced: the pipeline when there was no error, and every diagnostic.
    public struct Outcome: Sendable {
        public let config: PipelineConfig?
        public let diagnostics: [ConfigDiagnostic]
        public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
        public var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }
        /// Environment values substituted into the file (never to be printed).
        public let secrets: Set<String>
    }

    /// Loads the file at `path`.
    public static func load(path: String, registry: ComponentRegistry,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> Outcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why = !exists ? "no such file" : (isDirectory.boolValue ? "is a directory" : "cannot be read (permission denied?)")
            return Outcome(config: nil, diagnostics: [ConfigDiagnostic(file: path, line: 1, column: 1, path: "", message: "cannot read pipeline file: \(why)")], secrets: [])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return Outcome(config: nil, diagnostics: [ConfigDiagnostic(file: path, line: 1, column: 1, path: "", message: "pipeline file is not valid UTF-8")], secrets: [])
        }
        return load(text: text, file: path, registry: registry, environment: environment)
    }

    /// Loads pipeline `text` as if read from `file`.
    public static func load(text: String, file: String, registry: ComponentRegistry,
                            environment: [String: String] = [:]) -> Outcome {
        let (interpolated, sourceMap, failures) = EnvInterpolation.interpolate(text, environment: environment)
        let diagnostics = ConfigDiagnostics(file: file, sourceMap: sourceMap)
        for f in failures {
            diagnostics.all.append(ConfigDiagnostic(file: file, line: f.line, column: f.column, path: "", message: f.message))
        }
        let root: Node
        do {
            // Every option is read from its scalar's text, so no tag resolution: the default
            // resolver's rules are ICU regular expressions, which cost megabytes of RSS to start.
            guard let node = try Yams.compose(yaml: interpolated, Resolver.basic) else {
                diagnostics.report(line: 1, column: 1, path: "", "the pipeline file is empty")
                return outcome(nil, diagnostics, sourceMap)
            }
            root = node
        } catch let error as YamlError {
            let (line, column, problem) = describe(error)
            diagnostics.report(line: line, column: column, path: "", "invalid YAML: \(problem)")
            return outcome(nil, diagnostics, sourceMap)
        } catch {
            diagnostics.report(line: 1, column: 1, path: "", "invalid YAML: \(error)")
            return outcome(nil, diagnostics, sourceMap)
        }
        let reader = ConfigReader(node: root, path: "", diagnostics: diagnostics)
        let config = decodeTopLevel(reader, file: file, registry: registry)
        reader.finish()
        if !config.components.isEmpty {
            GraphValidator(config: config, diagnostics: diagnostics).validate()
        }
        let ok = diagnostics.errors.isEmpty
        return outcome(ok ? config : nil, diagnostics, sourceMap, interpolationFailures: failures)
    }

    /// The diagnostics in file order. A value emptied by an unset variable would also fail
    /// its own check; only the variable's error is kept for that line.
    private static func outcome(_ config: PipelineConfig?, _ diagnostics: ConfigDiagnostics, _ map: SourceMap,
                                interpolationFailures: [EnvInterpolation.Failure] = []) -> Outcome {
        let failureLines = Set(interpolationFailures.map(\.line))
        let failureMessages = Set(interpolationFailures.map(\.message))
        let kept = diagnostics.all.enumerated().filter { _, d in
            !failureLines.contains(d.line) || failureMessages.contains(d.message)
        }
        let sorted = kept.sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
        return Outcome(config: config, diagnostics: sorted.map(\.element), secrets: map.secrets)
    }

    private static func decodeTopLevel(_ reader: ConfigReader, file: String, registry: ComponentRegistry) -> PipelineConfig {
        let dataDirectory = reader.string("data_dir") ?? "./data"
        let shutdownTimeout = reader.duration("shutdown_timeout", default: .seconds(30))
        var api = APIConfig()
        if let apiReader = reader.child("api") {
            if let address = apiReader.address("listen") { (api.host, api.port) = address }
            if let token = apiReader.string("token"), !token.isEmpty { api.token = token }
            api.enabled = apiReader.bool("enabled", default: true)
            apiReader.finish()
        }
        var components: [ComponentDeclaration] = []
        var undecodable: Set<String> = []
        var seen: Set<String> = []
        for role in ComponentRole.allCases {
            guard let section = reader.child(role.section) else { continue }
            if section.node.mapping == nil { continue }
            for (id, componentReader) in section.entries() {
                if !isValidID(id) {
                    componentReader.error(nil, "component id '\(id)' must match [a-z0-9_]+")
                }
                if seen.contains(id) {
                    componentReader.error(nil, "component id '\(id)' is used more than once (ids are unique across inputs, transforms and outputs)")
                    continue
                }
                seen.insert(id)
                if let declaration = decodeComponent(id: id, role: role, reader: componentReader, registry: registry) {
                    components.append(declaration)
                } else {
                    undecodable.insert(id)
                }
            }
        }
        if components.isEmpty && undecodable.isEmpty {
            reader.error(nil, "the pipeline declares no components (add inputs: and outputs:)")
        }
        let ids = Set(components.map(\.id)).union(undecodable)
        let tests = PipelineTestDecoder.decode(reader.childList("tests"), componentIDs: ids)
        return PipelineConfig(file: file, dataDirectory: dataDirectory, shutdownTimeout: shutdownTimeout, api: api,
                              components: components, undecodable: undecodable, tests: tests)
    }

    private static func decodeComponent(id: String, role: ComponentRole, reader: ConfigReader,
                                        registry: ComponentRegistry) -> ComponentDeclaration? {
        guard let typeName = reader.string("type", required: true) else {
            return nil
        }
        guard let type = registry.type(typeName, role: role) else {
            let known = registry.names(role)
            var message = "unknown \(role.rawValue) type '\(typeName)'"
            if let hint = ConfigValues.suggestion(for: typeName, among: known) { message += "; did you mean '\(hint)'?" }
            if let other = ComponentRole.allCases.first(where: { registry.type(typeName, role: $0) != nil }) {
                message += "; '\(typeName)' is \(other == .transform ? "a" : "an") \(other.rawValue): declare it under \(other.section):"
            }
            message += " (known: \(known.joined(separator: ", ")))"
            reader.error("type", message)
            return nil
        }
        var upstreams: [UpstreamRef] = []
        var buffer = BufferConfig()
        if role != .input {
            for ref in reader.stringList("inputs") ?? [] {
                let parts = ref.split(separator: ".", maxSplits: 1).map(String.init)
                upstreams.append(UpstreamRef(id: parts[0], port: parts.count > 1 ? parts[1] : nil))
            }
            if let b = reader.child("buffer") {
                buffer.kind = BufferConfig.Kind(rawValue: b.choice("type", ["memory", "disk"], default: "memory")) ?? .memory
                if buffer.kind == .disk, !type.supportsDiskBuffer {
                    b.error("type", "\(type.name) has no disk buffer; use type: memory")
                }
                buffer.maxEvents = b.int("max_events", default: buffer.maxEvents, range: 1...100_000_000)
                if buffer.kind == .disk {
                    buffer.diskMaxBytes = b.size("max_size", default: buffer.diskMaxBytes)
                    buffer.fsync = BufferConfig.Fsync(rawValue: b.choice("fsync", ["always", "interval"], default: "interval")) ?? .interval
                } else {
                    buffer.maxBytes = b.size("max_size", default: buffer.maxBytes)
                }
                buffer.whenFull = BufferConfig.WhenFull(rawValue: b.choice("when_full", ["block", "drop_newest"], default: "block")) ?? .block
                b.finish()
            }
        }
        let config = type.decode(reader)
        reader.finish()
        let settings = reader.node.mapping.map { Node.mapping(Node.Mapping($0.filter { $0.key.string != "inputs" }.map { ($0.key, $0.value) })) } ?? reader.node
        return ComponentDeclaration(id: id, role: role, type: type, config: config, upstreams: upstreams, buffer: buffer,
                                    settings: ComponentSettings(node: settings),
                                    position: SourcePosition(reader.node),
                                    inputsPosition: SourcePosition(reader.node("inputs") ?? reader.node))
    }

    private static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }

    private static func describe(_ error: YamlError) -> (Int, Int, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return (mark.line, mark.column, detail)
        default:
            return (1, 1, "\(error)")
        }
    }
}
