/// How a new pipeline file differs from the running one, component by component.
///
/// A component is *kept* when its role, type and options (all but `inputs:`) are the same:
/// its stage, state, buffer and connections stay, and only its edges may be rebuilt.
/// One whose options differ is *changed*: a new stage replaces the old one.
struct ReloadPlan {
    /// Ids in both files declared the same way.
    let kept: Set<String>
    /// Ids in both files whose options differ.
    let changed: Set<String>
    /// Ids only in the new file.
    let added: Set<String>
    /// Ids only in the running pipeline.
    let removed: Set<String>

    init(running: [String: ComponentDeclaration], new: PipelineConfig) {
        var kept = Set<String>(), changed = Set<String>(), added = Set<String>()
        for c in new.components {
            guard let old = running[c.id] else { added.insert(c.id); continue }
            if old.sameStage(as: c) { kept.insert(c.id) } else { changed.insert(c.id) }
        }
        self.kept = kept
        self.changed = changed
        self.added = added
        removed = Set(running.keys).subtracting(new.components.map(\.id))
    }

    /// Why `new` cannot be applied without a restart, if it cannot.
    static func restartReasons(running: PipelineConfig, new: PipelineConfig) -> [String] {
        var reasons: [String] = []
        let a = running.api, b = new.api
        if a.host != b.host || a.port != b.port || a.enabled != b.enabled || a.token != b.token {
            reasons.append("\(new.file): api: changes to the admin API need a restart")
        }
        if running.dataDirectory != new.dataDirectory {
            reasons.append("\(new.file): data_dir: a new data directory needs a restart")
        }
        return reasons
    }
}
