import Yams

/// Reads one YAML mapping of the pipeline file, recording every problem with its position.
///
/// Each accessor marks its key as known; `finish()` reports the keys nobody asked for,
/// listing the allowed ones with a did-you-mean. Accessors never throw: a bad value is
/// reported and the default (or nil) returned, so one load finds every error.
public final class ConfigReader {
    /// Dotted path of this mapping (`outputs.file_out`).
    public let path: String
    /// The diagnostics every reader of one load shares.
    public let diagnostics: ConfigDiagnostics
    let node: Node
    private var known: [String] = []
    private var values: [String: (key: Node, value: Node)] = [:]
    private var order: [String] = []

    init(node: Node, path: String, diagnostics: ConfigDiagnostics) {
        self.node = node
        self.path = path
        self.diagnostics = diagnostics
        if let mapping = node.mapping {
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    diagnostics.report(at: key, path: path, "keys must be plain strings")
                    continue
                }
                if values[name] != nil {
                    diagnostics.report(at: key, path: join(name), "duplicate key '\(name)'")
                }
                values[name] = (key, value)
                order.append(name)
            }
        } else if !(node.scalar.map { $0.string.isEmpty || $0.string == "null" || $0.string == "~" } ?? false) {
            diagnostics.report(at: node, path: path, "expected a mapping of options")
        }
    }

    /// True when the mapping has `key` (marks it known).
    public func has(_ key: String) -> Bool {
        known.append(key)
        return values[key] != nil
    }

    /// Reports a problem about `key` (or the mapping itself when `key` is nil).
    public func error(_ key: String?, _ message: String) {
        if let key, let entry = values[key] {
            diagnostics.report(at: entry.value, path: join(key), message)
        } else {
            diagnostics.report(at: node, path: key.map(join) ?? path, message)
        }
    }

    /// Reports a problem about item `index` of the list at `key`, at that item's position
    /// (or at the list when it has no such item).
    public func error(_ key: String, item index: Int, _ message: String) {
        guard let items = values[key]?.value.sequence, index < items.count else { return error(key, message) }
        diagnostics.report(at: items[index], path: "\(join(key))[\(index)]", message)
    }

    /// Reports a warning about `key`.
    public func warning(_ key: String?, _ message: String) {
        let at = key.flatMap { values[$0]?.value } ?? node
        diagnostics.report(at: at, path: key.map(join) ?? path, message, severity: .warning)
    }

    // MARK: Scalars

    /// A string option; reports a missing one when `required`.
    public func string(_ key: String, required: Bool = false) -> String? {
        scalar(key, expected: "a string", required: required)
    }

    /// The scalar text at `key`; a list or mapping there is reported as not being `expected`.
    private func scalar(_ key: String, expected: String, required: Bool = false) -> String? {
        known.append(key)
        guard let entry = values[key] else {
            if required { error(nil, "missing required option '\(key)'") }
            return nil
        }
        guard let scalar = entry.value.scalar else {
            error(key, "expected \(expected), got \(entry.value.sequence != nil ? "a list" : "a mapping")")
            return nil
        }
        return scalar.string
    }

    /// A string option restricted to `allowed` values.
    public func choice(_ key: String, _ allowed: [String], default value: String) -> String {
        guard let text = string(key) else { return value }
        guard allowed.contains(text) else {
            error(key, "expected one of \(allowed.joined(separator: ", ")), got '\(text)'")
            return value
        }
        return text
    }

    /// An integer option within `range`.
    public func int(_ key: String, default value: Int, range: ClosedRange<Int> = Int.min...Int.max) -> Int {
        guard let text = scalar(key, expected: "an integer") else { return value }
        guard let number = Int(text.replacingUnderscores), range.contains(number) else {
            error(key, "expected an integer between \(range.lowerBound) and \(range.upperBound), got '\(text)'")
            return value
        }
        return number
    }

    /// A floating-point option.
    public func double(_ key: String, default value: Double) -> Double {
        guard let text = scalar(key, expected: "a number") else { return value }
        guard let number = Double(text) else {
            error(key, "expected a number, got '\(text)'")
            return value
        }
        return number
    }

    /// A boolean option (`true` / `false`).
    public func bool(_ key: String, default value: Bool) -> Bool {
        guard let text = scalar(key, expected: "true or false") else { return value }
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(key, "expected true or false, got '\(text)'")
            return value
        }
    }

    /// A duration option such as `500ms`, `15s`, `5m`, `1h`.
    public func duration(_ key: String, default value: Duration, minimum: Duration = .zero) -> Duration {
        guard let text = scalar(key, expected: "a duration like \"15s\"") else { return value }
        guard let parsed = ConfigValues.duration(text) else {
            error(key, "expected a duration like \"15s\" or \"500ms\", got '\(text)'")
            return value
        }
        guard parsed >= minimum else {
            error(key, "must be at least \(minimum.formatted), got '\(text)'")
            return value
        }
        return parsed
    }

    /// A size option such as `64MiB`, `10MB`, `512KiB`.
    public func size(_ key: String, default value: Int) -> Int {
        guard let text = scalar(key, expected: "a size like \"1MiB\"") else { return value }
        guard let parsed = ConfigValues.size(text) else {
            error(key, "expected a size like \"1MiB\" or \"10MB\", got '\(text)'")
            return value
        }
        return parsed
    }

    /// A `host:port` option.
    public func address(_ key: String, default value: String? = nil, required: Bool = false) -> (host: String, port: Int)? {
        guard let text = string(key, required: required && value == nil) ?? value else { return nil }
        guard let parsed = ConfigValues.hostPort(text) else {
            error(key, "expected an address like \"127.0.0.1:9598\", got '\(text)'")
            return nil
        }
        return parsed
    }

    /// An `http(s)://` URL option.
    public func url(_ key: String, required: Bool = false) -> String? {
        guard let text = string(key, required: required) else { return nil }
        guard ConfigValues.httpURL(text) != nil else {
            error(key, "expected an http:// or https:// URL, got '\(text)'")
            return nil
        }
        return text
    }

    // MARK: Structure

    /// A list of strings; a single string counts as a list of one.
    public func stringList(_ key: String, required: Bool = false) -> [String]? {
        known.append(key)
        guard let entry = values[key] else {
            if required { error(nil, "missing required option '\(key)'") }
            return nil
        }
        if let scalar = entry.value.scalar { return [scalar.string] }
        guard let sequence = entry.value.sequence else {
            error(key, "expected a list of strings")
            return nil
        }
        var result: [String] = []
        for item in sequence {
            guard let s = item.scalar?.string else {
                diagnostics.report(at: item, path: join(key), "expected a string")
                continue
            }
            result.append(s)
        }
        return result
    }

    /// The nested mapping at `key`, as a reader; nil when absent.
    public func child(_ key: String) -> ConfigReader? {
        known.append(key)
        guard let entry = values[key] else { return nil }
        return ConfigReader(node: entry.value, path: join(key), diagnostics: diagnostics)
    }

    /// The list of mappings at `key`, each as a reader.
    public func childList(_ key: String, required: Bool = false) -> [ConfigReader] {
        known.append(key)
        guard let entry = values[key] else {
            if required { error(nil, "missing required option '\(key)'") }
            return []
        }
        guard let sequence = entry.value.sequence else {
            error(key, "expected a list")
            return []
        }
        return sequence.enumerated().map { ConfigReader(node: $1, path: "\(join(key))[\($0)]", diagnostics: diagnostics) }
    }

    /// The mapping at `key` as string pairs in file order (for `labels:`-like maps).
    public func stringMap(_ key: String) -> [(String, String)]? {
        known.append(key)
        guard let entry = values[key] else { return nil }
        guard let mapping = entry.value.mapping else {
            error(key, "expected a mapping of names to strings")
            return nil
        }
        var result: [(String, String)] = []
        for (k, v) in mapping {
            guard let name = k.scalar?.string, let value = v.scalar?.string else {
                diagnostics.report(at: v, path: join(key), "expected string keys and values")
                continue
            }
            result.append((name, value))
        }
        return result
    }

    /// Every key of the mapping, in file order, each with a reader for its value.
    public func entries() -> [(key: String, reader: ConfigReader)] {
        order.compactMap { name in
            guard let entry = values[name] else { return nil }
            known.append(name)
            return (name, ConfigReader(node: entry.value, path: join(name), diagnostics: diagnostics))
        }
    }

    /// The raw YAML node at `key` (for components with free-form structure).
    public func node(_ key: String) -> Node? {
        known.append(key)
        return values[key]?.value
    }

    /// The mapping's own value as a string, for readers made of a list item or map value.
    public var scalarValue: String? { node.scalar?.string }

    /// Reports every key that no accessor asked for.
    public func finish() {
        let allowed = Array(Set(known)).sorted()
        for name in order where !known.contains(name) {
            guard let entry = values[name] else { continue }
            var message = "unknown option '\(name)'"
            if let hint = ConfigValues.suggestion(for: name, among: allowed) { message += "; did you mean '\(hint)'?" }
            message += " (allowed: \(allowed.joined(separator: ", ")))"
            diagnostics.report(at: entry.key, path: join(name), message)
        }
    }

    private func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

extension ConfigDiagnostics {
    func report(at node: Node, path: String, _ message: String, severity: ConfigDiagnostic.Severity = .error) {
        let mark = node.mark
        report(line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message, severity: severity)
    }
}

extension String {
    fileprivate var replacingUnderscores: String { filter { $0 != "_" } }
}

extension Duration {
    /// A short human form: `1.5s`, `250ms`.
    public var formatted: String {
        let (seconds, attoseconds) = components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        if ms >= 1000 { return "\((ms / 1000).formatted3)s" }
        return "\(ms.formatted3)ms"
    }

    /// The duration in nanoseconds.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a `Double`.
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}

extension Double {
    fileprivate var formatted3: String {
        let rounded = (self * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}
