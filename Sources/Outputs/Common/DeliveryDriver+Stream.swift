import Pipeline

extension DeliveryDriver where P.Transport == DeliveryStreamTransport {
    /// Before a stream output stops: makes sure the receiver has every write
    /// (`DeliveryStreamTransport.confirmAll`), retrying with backoff like a payload.
    ///
    /// What is still unconfirmed when `max_duration` is spent counts as
    /// `dropped{retry_expired}`, or as `dropped{shutdown}` when the task is cancelled; it
    /// cannot go to the dead-letter file, as only its encoded bytes are kept.
    package func finish() async {
        var logic = DeliveryRetryLogic(policy: policy)
        let start = clock.now
        let stopped = DeliveryFailure(kind: "network", description: "\(name): stopped")
        while !Task.isCancelled {
            guard case .failure(let reason) = await transport.confirmAll() else { return }
            let failure = DeliveryFailure(kind: "network", description: "\(name): \(transport.endpoint): \(reason)")
            count(failure)
            switch logic.next(retryAfter: nil, elapsed: start.duration(to: clock.now), random: random()) {
            case .giveUp:
                return await abandon(reason: "retry_expired", failure)
            case .retry(let wait, let attempt):
                log.warning("\(failure.description); retry \(attempt) in \(wait.formatted)")
                do { try await clock.sleep(for: wait) } catch { return await abandon(reason: "shutdown", stopped) }
            }
        }
        await abandon(reason: "shutdown", stopped)
    }

    private func abandon(reason: String, _ failure: DeliveryFailure) async {
        let events = await transport.abandon()
        guard events > 0 else { return }
        metrics.dropCounter(reason).wrappingIncrement(by: events, ordering: .relaxed)
        log.error("\(failure.description); \(events) events written to \(transport.endpoint) but never confirmed")
    }
}
