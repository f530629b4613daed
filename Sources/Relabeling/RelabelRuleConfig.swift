import Codecs
import Pipeline

/// One Prometheus `relabel_config` as written, decoded and validated as Prometheus validates
/// it (`model/relabel`): each problem is reported at its key with Prometheus' wording.
///
/// - source_labels (list of label names, default none): values joined by `separator`; a
///   missing label reads as empty.
/// - separator (string, default `;`)
/// - regex (PCRE2 pattern, default `(.*)`): matched against the whole value.
/// - modulus (integer): for `hashmod`, required there.
/// - target_label (string): the label written; `replace` may use `$1`, `${name}` in it.
/// - replacement (string, default `$1`): what `replace` writes, or `labelmap` renames to.
/// - action (default replace): see `Action`; case-insensitive, as in Prometheus.
package struct RelabelRuleConfig: Sendable, Equatable {
    /// A rule's `action`, as Prometheus names it.
    package enum Action: String, CaseIterable, Sendable {
        case replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase
    }

    static let defaultSeparator = ";"
    static let defaultReplacement = "$1"

    package var sourceLabels: [String] = []
    package var separator = defaultSeparator
    package var regex = RelabelRegex.matchAll
    package var modulus: UInt64 = 0
    package var targetLabel = ""
    package var replacement = defaultReplacement
    package var action = Action.replace

    /// Reads one rule mapping; nil (problems reported) when it cannot be used.
    package static func decode(_ reader: ConfigReader) -> RelabelRuleConfig? {
        defer { reader.finish() }
        var rule = RelabelRuleConfig()
        var valid = true
        func fail(_ key: String?, _ message: String) {
            reader.error(key, message)
            valid = false
        }
        var knownAction = true
        if let text = reader.string("action") {
            if let action = Action(rawValue: text.lowercased()) {
                rule.action = action
            } else {
                fail("action", "unknown relabel action \"\(text)\" (allowed: \(Action.allCases.map(\.rawValue).joined(separator: ", ")))")
                knownAction = false
            }
        }
        let hasSources = reader.has("source_labels")
        for (i, name) in (reader.stringList("source_labels") ?? []).enumerated() {
            if PrometheusName.isValidLabelName(name) {
                rule.sourceLabels.append(name)
            } else {
                reader.error("source_labels", item: i, "\"\(name)\" is not a valid label name")
                valid = false
            }
        }
        rule.separator = reader.string("separator") ?? defaultSeparator
        let hasRegex = reader.has("regex")
        rule.regex = reader.string("regex") ?? RelabelRegex.matchAll
        do throws(RelabelRegex.CompileError) {
            _ = try RelabelRegex(rule.regex)
        } catch {
            fail("regex", "not a valid PCRE2 pattern: \(error.message) at offset \(error.offset): \(pointer(rule.regex, error.offset))")
        }
        rule.modulus = UInt64(reader.int("modulus", default: 0, range: 0...Int.max))
        rule.targetLabel = reader.string("target_label") ?? ""
        rule.replacement = reader.string("replacement") ?? defaultReplacement
        if knownAction { rule.validate(hasSources: hasSources, hasRegex: hasRegex, fail: fail) }
        if rule.action == .labelmap, hasSources || !rule.targetLabel.isEmpty || rule.modulus != 0 || rule.separator != defaultSeparator {
            // Prometheus accepts and ignores them; say so rather than let a typo pass unseen.
            reader.warning(nil, "labelmap uses only 'regex' and 'replacement'; the other fields are ignored")
        }
        return valid ? rule : nil
    }

    /// Prometheus' `Config.Validate`, reporting at the key concerned.
    private func validate(hasSources: Bool, hasRegex: Bool, fail: (String?, String) -> Void) {
        let a = action.rawValue
        let writes: Set<Action> = [.replace, .hashmod, .lowercase, .uppercase, .keepequal, .dropequal]
        if action == .hashmod, modulus == 0 {
            fail(nil, "relabel configuration for hashmod requires non-zero modulus")
        }
        if writes.contains(action), targetLabel.isEmpty {
            fail(nil, "relabel configuration for \(a) action requires 'target_label' value")
        } else if writes.contains(action) {
            let valid = action == .replace && targetLabel.contains("$")
                ? Self.isLabelNameTemplate(targetLabel) : PrometheusName.isValidLabelName(targetLabel)
            if !valid { fail("target_label", "\"\(targetLabel)\" is invalid 'target_label' for \(a) action") }
        }
        let equal: Set<Action> = [.keepequal, .dropequal]
        if [.lowercase, .uppercase].contains(action) || equal.contains(action), replacement != Self.defaultReplacement {
            fail("replacement", "'replacement' can not be set for \(a) action")
        }
        if action == .labelmap, !Self.isLabelNameTemplate(replacement) {
            fail("replacement", "\"\(replacement)\" is invalid 'replacement' for \(a) action")
        }
        if equal.contains(action), hasRegex || modulus != 0 || separator != Self.defaultSeparator {
            fail(nil, "\(a) action requires only 'source_labels' and 'target_label', and no other fields")
        }
        if action == .labeldrop || action == .labelkeep,
           hasSources || !targetLabel.isEmpty || modulus != 0 || separator != Self.defaultSeparator
            || replacement != Self.defaultReplacement {
            fail(nil, "\(a) action requires only 'regex', and no other fields")
        }
    }

    /// Prometheus' check for a label name that may hold `$1`, `${name}` references:
    /// `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, i.e. a label name in which `$` is
    /// followed by a word or a braced word.
    static func isLabelNameTemplate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        let isWord = PrometheusName.isLabelNameByte
        guard let first = b.first, first == UInt8(ascii: "$") || (isWord(first) && !PrometheusName.isDigit(first)) else {
            return false
        }
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "$") {
                i += 1
                let brace = i < b.count && b[i] == UInt8(ascii: "{")
                if brace { i += 1 }
                let start = i
                while i < b.count, isWord(b[i]) { i += 1 }
                guard i > start else { return false }
                if brace {
                    guard i < b.count, b[i] == UInt8(ascii: "}") else { return false }
                    i += 1
                }
            } else if isWord(b[i]) {
                i += 1
            } else {
                return false
            }
        }
        return true
    }

    /// The pattern with `>>>` at the error offset, so the spot is visible in one line.
    private static func pointer(_ pattern: String, _ offset: Int) -> String {
        let bytes = Array(pattern.utf8)
        let at = min(max(offset, 0), bytes.count)
        return String(decoding: bytes[..<at], as: UTF8.self) + ">>>" + String(decoding: bytes[at...], as: UTF8.self)
    }
}
