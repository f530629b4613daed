import Codecs
import Crypto
import Pipeline

/// Prometheus relabeling compiled once: rules in order over one series' `RelabelLabelSet`,
/// as Prometheus' `relabel.ProcessBuilder` runs them. Shared by the `relabel` transform and
/// `prometheus_scrape`'s `metric_relabel` (through `MetricRelabeler`).
///
/// Holds PCRE2 match data reused for every series; the other scratch space is the caller's
/// `RelabelWorkspace`, so applying the rules allocates nothing in steady state. One program
/// belongs to one stage's thread.
package final class RelabelProgram: @unchecked Sendable {
    /// One rule with its regex compiled and its templates parsed. (A class: the struct was
    /// copied for every series, retaining each of its arrays.)
    final class Rule {
        let action: RelabelRuleConfig.Action
        /// `source_labels`, then `separator` and `target_label` (taken literally), as bytes.
        private let strings: RelabelByteStrings
        let sourceCount: Int
        let regex: RelabelRegex
        /// Whether `regex` matches the name `__name__` (what labeldrop and labelkeep need of it).
        let matchesName: Bool
        let target: RelabelTemplate
        let replacement: RelabelTemplate
        let modulus: UInt64

        init(_ rule: RelabelRuleConfig, regex: RelabelRegex) {
            action = rule.action
            strings = RelabelByteStrings((rule.sourceLabels + [rule.separator, rule.targetLabel]).map { Array($0.utf8) })
            sourceCount = rule.sourceLabels.count
            self.regex = regex
            matchesName = RelabelLabelSet.nameLabel.withUnsafeBytes { regex.isMatch($0) }
            target = RelabelTemplate(rule.targetLabel, regex: regex)
            replacement = RelabelTemplate(rule.replacement, regex: regex)
            modulus = rule.modulus
        }

        deinit { strings.deallocate() }

        /// The name of source label `index`.
        @inline(__always)
        func sourceLabel(_ index: Int) -> UnsafeRawBufferPointer { strings[index] }
        var separator: UnsafeRawBufferPointer { strings[sourceCount] }
        var targetName: UnsafeRawBufferPointer { strings[sourceCount + 1] }
    }

    let rules: [Rule]

    /// Compiles `rules` (validated already; a regex that does not compile throws).
    package init(_ rules: [RelabelRuleConfig]) throws(RelabelRegex.CompileError) {
        var compiled: [Rule] = []
        for rule in rules {
            let regex = try RelabelRegex(rule.regex)
            compiled.append(Rule(rule, regex: regex))
        }
        self.rules = compiled
    }

    /// Applies every rule to `labels`; false when a rule drops the series.
    func apply(_ labels: inout RelabelLabelSet, _ work: inout RelabelWorkspace) -> Bool {
        if work.memos.count != rules.count { work.memos = rules.map { RelabelReplaceMemo(enabled: $0.action == .replace) } }
        for index in rules.indices where !apply(index, &labels, &work) { return false }
        return true
    }

    private func apply(_ index: Int, _ labels: inout RelabelLabelSet, _ work: inout RelabelWorkspace) -> Bool {
        // The program holds its rules for as long as it runs: reading one need not retain it.
        unowned(unsafe) let rule = rules[index]
        switch rule.action {
        case .labeldrop, .labelkeep:
            labels.removeLabels(matching: rule.regex, keep: rule.action == .labelkeep, nameMatches: rule.matchesName)
            return true
        case .labelmap:
            labelmap(rule, &labels, &work)
            return true
        default: join(rule, labels, &work.joined)
        }
        switch rule.action {
        case .keep: return matchJoined(rule.regex, &work.joined, groups: false)
        case .drop: return !matchJoined(rule.regex, &work.joined, groups: false)
        case .keepequal: return targetEqualsJoined(rule, labels, work.joined)
        case .dropequal: return !targetEqualsJoined(rule, labels, work.joined)
        case .replace: replace(index, rule, &labels, &work)
        case .lowercase, .uppercase:
            work.value.removeAll(keepingCapacity: true)
            RelabelCaseMapping.map(work.joined, upper: rule.action == .uppercase, into: &work.value)
            work.value.withUnsafeBytes { set(rule.targetName, $0, &labels) }
        case .hashmod:
            work.value.removeAll(keepingCapacity: true)
            Self.appendDecimal(Self.hash(work.joined) % rule.modulus, to: &work.value)
            work.value.withUnsafeBytes { set(rule.targetName, $0, &labels) }
        case .labeldrop, .labelkeep, .labelmap: break
        }
        return true
    }

    /// Fills `joined` with the source labels' values (a missing label reads as empty).
    private func join(_ rule: Rule, _ labels: borrowing RelabelLabelSet, _ joined: inout [UInt8]) {
        joined.removeAll(keepingCapacity: true)
        for i in 0..<rule.sourceCount {
            if i > 0 { joined.append(contentsOf: rule.separator) }
            guard let span = labels.value(of: rule.sourceLabel(i)) else { continue }
            labels.withBytes(span) { joined.append(contentsOf: $0) }
        }
    }

    /// Matches `joined`. A value that is not valid UTF-8 (PCRE2 matches nothing across an
    /// invalid sequence) is matched again as Go's regexp reads it: invalid bytes as U+FFFD,
    /// which `joined` then holds for the replacement. Valid values never pay for this.
    private func matchJoined(_ regex: RelabelRegex, _ joined: inout [UInt8], groups: Bool = true) -> Bool {
        if joined.withUnsafeBytes({ groups ? regex.matches($0) : regex.isMatch($0) }) { return true }
        guard !joined.allSatisfy({ $0 < 0x80 }), String(validating: joined, as: UTF8.self) == nil else { return false }
        joined = Array(String(decoding: joined, as: UTF8.self).utf8)
        return regex.matches(joined)
    }

    private func targetEqualsJoined(_ rule: Rule, _ labels: borrowing RelabelLabelSet, _ joined: [UInt8]) -> Bool {
        guard let span = labels.value(of: rule.targetName) else { return joined.isEmpty }
        return labels.withBytes(span) { value in joined.withUnsafeBytes { ByteOrder.equal(value, $0) } }
    }

    /// `replace`: on a match, writes the expanded replacement to the expanded target label
    /// (deleting it when empty); a target that expands to no valid label name does nothing.
    /// Results are remembered per source value (`RelabelReplaceMemo`).
    private func replace(_ index: Int, _ rule: Rule, _ labels: inout RelabelLabelSet, _ work: inout RelabelWorkspace) {
        if let slot = work.joined.withUnsafeBytes({ work.memos[index].lookup($0) }) {
            work.memos[index].withResult(slot) { name, value in set(name, value, &labels) }
            return
        }
        work.key.removeAll(keepingCapacity: true)
        work.key.append(contentsOf: work.joined)
        work.name.removeAll(keepingCapacity: true)
        work.value.removeAll(keepingCapacity: true)
        var applies = false
        if matchJoined(rule.regex, &work.joined) {
            let subject = work.joined
            subject.withUnsafeBytes { subject in
                rule.target.expand(rule.regex, subject: subject, into: &work.name)
                rule.replacement.expand(rule.regex, subject: subject, into: &work.value)
            }
            applies = PrometheusName.isValidLabelName(work.name)
        }
        let (key, name, value) = (work.key, work.name, work.value)
        key.withUnsafeBytes { key in
            name.withUnsafeBytes { name in
                value.withUnsafeBytes { value in
                    work.memos[index].store(key, applies: applies, name: name, value: value)
                    if applies { set(name, value, &labels) }
                }
            }
        }
    }

    /// Sets label `name` to `value`.
    private func set(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ labels: inout RelabelLabelSet) {
        labels.set(name, labels.store(value))
    }

    /// `labelmap`: every label whose name matches is copied to the name the replacement
    /// expands to, visiting the labels as they were before the rule.
    private func labelmap(_ rule: Rule, _ labels: inout RelabelLabelSet, _ work: inout RelabelWorkspace) {
        labels.builderOrder(into: &work.snapshot)
        for label in work.snapshot {
            var name = work.name
            work.name = []
            name.removeAll(keepingCapacity: true)
            let matched = labels.withBytes(label.name) { subject in
                guard rule.regex.matches(subject) else { return false }
                rule.replacement.expand(rule.regex, subject: subject, into: &name)
                return true
            }
            if matched, !name.isEmpty { name.withUnsafeBytes { labels.set($0, label.value) } }
            work.name = name
        }
    }

    /// Prometheus' hashmod hash: MD5 of the value, its last 8 bytes as a big-endian integer.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var md5 = Insecure.MD5()
        bytes.withUnsafeBytes { md5.update(bufferPointer: $0) }
        return md5.finalize().withUnsafeBytes { digest in
            digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    private static func appendDecimal(_ number: UInt64, to out: inout [UInt8]) {
        let start = out.count
        var n = number
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(n % 10))
            n /= 10
        } while n > 0
        out[start...].reverse()
    }
}
