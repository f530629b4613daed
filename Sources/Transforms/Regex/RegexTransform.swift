import Pipeline

/// Runs `regex` over log batches: the first pattern that matches an event's field sets one
/// field per named group, pointing at the captured bytes in the batch arena (typed groups
/// are converted). Unmatched events are kept, dropped or routed to port 1 (`unmatched`).
struct RegexTransform: TransformStage {
    let programs: [RegexProgram]
    let field: FieldName
    let onNoMatch: RegexTransformConfig.NoMatch
    let problems: RegexProblems
    /// The type of each program's groups, by group index (nil: bytes).
    private let groupTypes: [[RegexFieldType?]]
    /// Whether each event of the current batch went unmatched (storage reused across batches).
    private var unmatched: [Bool] = []
    /// Each group's name stored once per batch in the arena, so later events point at it.
    private var keySpans: [[ByteSpan?]]

    init(programs: [RegexProgram], field: FieldName, types: [String: RegexFieldType],
         onNoMatch: RegexTransformConfig.NoMatch, problems: RegexProblems) {
        self.programs = programs
        self.field = field
        self.onNoMatch = onNoMatch
        self.problems = problems
        groupTypes = programs.map { $0.groups.map { types[$0.name] } }
        keySpans = programs.map { [ByteSpan?](repeating: nil, count: $0.groups.count) }
        unmatched.reserveCapacity(512)
    }

    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        guard var logs = batch.takeLogs() else { return output.emit(batch) }
        unmatched.removeAll(keepingCapacity: true)
        for p in keySpans.indices { for g in keySpans[p].indices { keySpans[p][g] = nil } }
        var misses = 0
        for i in 0..<logs.count {
            let hit = parse(&logs, i)
            unmatched.append(!hit)
            if !hit { misses += 1 }
        }
        switch onNoMatch {
        case .keep:
            output.emit(.logs(logs))
        case .drop:
            if misses > 0 { logs.retain { !unmatched[$0] } }
            output.emit(.logs(logs))
        case .route:
            route(logs, misses: misses, into: &output)
        }
    }

    /// Sends the unmatched events to port 1 and the rest to port 0; a batch that is all one
    /// or the other moves whole, so only a mixed batch copies its unmatched events.
    private func route(_ logs: consuming LogBatch, misses: Int, into output: inout TransformOutput) {
        var logs = logs
        if misses == 0 { return output.emit(.logs(logs)) }
        if misses == logs.count { return output.emit(.logs(logs), port: 1) }
        var rest = LogBatch(capacity: misses, bytesPerEvent: logs.byteCount / max(logs.count, 1))
        for i in 0..<logs.count where unmatched[i] { Self.copyEvent(logs, i, into: &rest) }
        logs.retain { !unmatched[$0] }
        output.emit(.logs(logs))
        output.emit(.logs(rest), port: 1)
    }

    private static func copyEvent(_ logs: LogBatch, _ i: Int, into rest: inout LogBatch) {
        let j = logs.withMessage(i) { rest.append(timestamp: logs.records[i].timestamp, message: $0) }
        logs.forEachField(i) { key, value in
            var copied = value
            if case .bytes(let span) = value { copied = .bytes(logs.withBytes(span) { rest.store($0) }) }
            switch key {
            case .known: rest.appendField(j, key, copied)
            case .custom(let span): logs.withBytes(span) { rest.setField(j, keyBytes: $0, copied) }
            }
        }
    }

    /// Matches event `i` against the patterns in order; true when one matched.
    mutating func parse(_ logs: inout LogBatch, _ i: Int) -> Bool {
        let source: ByteSpan
        if field.isMessage {
            source = logs.records[i].message
        } else if case .bytes(let span) = logs.field(i, field) {
            source = span
        } else {
            return false
        }
        for (p, program) in programs.enumerated() {
            switch logs.withBytes(source, { program.match($0) }) {
            case .matched:
                setFields(&logs, i, program: p, base: Int(source.offset))
                return true
            case .noMatch:
                continue
            case .limitHit:
                problems.matchLimitHit(pattern: program.pattern)
                return false
            }
        }
        return false
    }

    private mutating func setFields(_ logs: inout LogBatch, _ i: Int, program p: Int, base: Int) {
        let program = programs[p]
        for (g, group) in program.groups.enumerated() {
            guard let range = program.range(of: group.number) else { continue }
            let span = ByteSpan(offset: base + range.lowerBound, length: range.count)
            var value = FieldValue.bytes(span)
            if let type = groupTypes[p][g] {
                if let converted = logs.withBytes(span, { type.convert($0) }) {
                    value = converted
                } else {
                    problems.typeError(group: group.name, type: type)
                }
            }
            if let key = keySpans[p][g] {
                logs.setField(i, keySpan: key, value)
            } else {
                let key = group.nameBytes.withUnsafeBytes { logs.store($0) }
                keySpans[p][g] = key
                logs.setField(i, keySpan: key, value)
            }
        }
    }
}
