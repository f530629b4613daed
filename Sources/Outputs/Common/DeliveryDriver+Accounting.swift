import Pipeline

extension DeliveryDriver {
    /// Distinct reasons a per-item answer gets dead-letter records of its own; items refused
    /// for other reasons share the record of the first reason with their kind and status.
    static var maxDeadLetterReasons: Int { 16 }

    /// Counts a per-item answer: delivered items as sent, each failed item as an error of
    /// its kind, rejected items to the dead-letter file (one record per reason, up to
    /// `maxDeadLetterReasons`: Elasticsearch quotes each document in its reasons), items
    /// rejected unnamed as dropped. Returns the items to send again, as a payload, and the
    /// failure to report for them.
    func settle(_ items: DeliveryItemOutcomes, of piece: P.Payload) -> (P.Payload, DeliveryFailure)? {
        let named = items.retry.count + items.rejected.count
        let unnamed = min(items.unnamedRejected?.count ?? 0, piece.eventCount - named)
        metrics.sentEvents.wrappingIncrement(by: piece.eventCount - named - unnamed, ordering: .relaxed)
        if let failure = items.unnamedRejected?.failure, unnamed > 0 {
            metrics.errorCounter(failure.kind).wrappingIncrement(by: unnamed, ordering: .relaxed)
            metrics.dropCounter("rejected").wrappingIncrement(by: unnamed, ordering: .relaxed)
            log.error("\(failure.description); \(unnamed) of \(piece.eventCount) events dropped (the receiver did not say which)")
        }
        var reasons: [DeliveryFailure] = []
        var itemsByReason: [DeliveryFailure: [Int]] = [:]
        for (item, failure) in items.rejected {
            count(failure)
            var reason = failure
            if itemsByReason[reason] == nil, reasons.count >= Self.maxDeadLetterReasons,
               let shared = reasons.first(where: { $0.kind == failure.kind && $0.status == failure.status }) {
                reason = shared
            }
            if itemsByReason[reason] == nil { reasons.append(reason) }
            itemsByReason[reason, default: []].append(item)
        }
        for failure in reasons {
            writeOff(piece.subset(itemsByReason[failure]!), failure, reason: "rejected")
        }
        guard !items.retry.isEmpty else { return nil }
        var failure = items.retryFailure ?? DeliveryFailure(kind: "item", description: "\(name): items failed")
        metrics.errorCounter(failure.kind).wrappingIncrement(by: items.retry.count, ordering: .relaxed)
        failure.description += " (\(items.retry.count) of \(piece.eventCount) items to send again)"
        return (piece.subset(items.retry), failure)
    }

    /// Counts one failed attempt under its kind.
    func count(_ failure: DeliveryFailure) {
        metrics.errorCounter(failure.kind).wrappingIncrement(ordering: .relaxed)
    }

    /// Moves `piece` to the dead-letter file, counting it as dropped for `reason`.
    func writeOff(_ piece: P.Payload, _ failure: DeliveryFailure, reason: String) {
        metrics.dropCounter(reason).wrappingIncrement(by: piece.eventCount, ordering: .relaxed)
        let why = reason == "rejected" ? "" : " (gave up after max_duration \(policy.maxDuration.formatted))"
        do {
            try deadLetter.write(piece, failure: failure, endpoint: transport.endpoint)
            log.error("\(failure.description)\(why); \(piece.eventCount) events written to \(deadLetter.path)")
        } catch {
            metrics.errorCounter("dead_letter").wrappingIncrement(ordering: .relaxed)
            log.error("\(failure.description)\(why); \(piece.eventCount) events lost: \(error)")
        }
    }
}
