/// The `by` groups of `cardinality_limit`, each with its own `max_series` cap and counts.
///
/// Group 0 is `__overflow__`: once `max_groups` groups exist, series of any further group
/// share its single cap. Without `by` every series is in one group.
struct CardinalityGroups: Sendable {
    private var numbers: [UInt64: Int] = [:]
    private var keys: [UInt64] = [0]
    /// Admitted series per group.
    var admitted: [Int] = [0]
    /// Rejected series remembered per group.
    var rejected: [Int] = [0]
    let maxGroups: Int

    init(maxGroups: Int) { self.maxGroups = maxGroups }

    /// Groups besides `__overflow__`.
    var count: Int { numbers.count }

    /// The group whose `by` values hash to `key`, created while fewer than `max_groups` exist.
    mutating func group(_ key: UInt64) -> Int {
        if let g = numbers[key] { return g }
        guard numbers.count < maxGroups else { return 0 }
        numbers[key] = keys.count
        keys.append(key)
        admitted.append(0)
        rejected.append(0)
        return keys.count - 1
    }

    /// Forgets the series of `table` last seen before window `oldest`, recounts every group
    /// and forgets groups left without series (renumbering the rest).
    mutating func expire(_ table: inout CardinalitySeriesTable, keepingFrom oldest: UInt32) {
        admitted = Array(repeating: 0, count: keys.count)
        rejected = Array(repeating: 0, count: keys.count)
        table.retain { slot in
            guard slot.window >= oldest else { return false }
            if slot.rejected { rejected[slot.group] += 1 } else { admitted[slot.group] += 1 }
            return true
        }
        var renumbered = Array(repeating: 0, count: keys.count)
        var next = CardinalityGroups(maxGroups: maxGroups)
        next.admitted[0] = admitted[0]
        next.rejected[0] = rejected[0]
        for g in keys.indices.dropFirst() where admitted[g] + rejected[g] > 0 {
            renumbered[g] = next.group(keys[g])
            next.admitted[renumbered[g]] = admitted[g]
            next.rejected[renumbered[g]] = rejected[g]
        }
        table.update { slot in slot.info = UInt32(renumbered[slot.group]) << 1 | slot.info & 1 }
        self = next
    }
}
