import Atomics
import Pipeline
import Relabeling

/// `relabel`: rewrites, keeps or drops metric series with Prometheus `relabel_configs`.
///
///     rules:
///       - source_labels: [__name__]
///         regex: go_.*
///         action: drop
///       - source_labels: [instance]
///         regex: '([^:]+):\d+'
///         target_label: host
///
/// - rules (list of rules, required; `relabel_configs` is accepted as another name): applied
///   in order to each series, each a `RelabelRuleConfig`. `__name__` is the metric name.
///
/// A series a rule drops, or whose name ends up empty, is dropped and counted
/// (`dropped{reason="relabel"}`). Labels left starting with `__`, other than `__name__`, are
/// removed after the rules, as Prometheus removes them after relabeling.
public struct RelabelTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "relabel", role: .transform, accepts: .metric,
                                                    produces: .fixed(.metric)) { RelabelTransformConfig(reader: $0) }

    let rules: [RelabelRuleConfig]

    init(reader: ConfigReader) {
        var key = "rules"
        if reader.has("relabel_configs") {
            if reader.has("rules") {
                reader.error("relabel_configs", "give 'rules' or 'relabel_configs', not both")
            } else {
                key = "relabel_configs"
            }
        }
        let entries = reader.childList(key, required: true)
        if reader.has(key), entries.isEmpty { reader.error(key, "expected at least one rule") }
        rules = entries.compactMap(RelabelRuleConfig.decode)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(try makeTransform(dropped: context.metrics.dropCounter("relabel")))
    }

    /// The stage, compiling the rules (validation already reported a regex that fails).
    func makeTransform(dropped: ManagedAtomic<Int>) throws -> RelabelTransform {
        do throws(RelabelRegex.CompileError) {
            return RelabelTransform(program: try RelabelProgram(rules), dropped: dropped)
        } catch {
            throw RelabelTransformError(compile: error)
        }
    }
}

/// A rule's regex that does not compile when the stage is built (validation reports it first).
struct RelabelTransformError: Error, CustomStringConvertible {
    let compile: RelabelRegex.CompileError
    var description: String { "relabel: regex does not compile: \(compile.message) at offset \(compile.offset)" }
}
