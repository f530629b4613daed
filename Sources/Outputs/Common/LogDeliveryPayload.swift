import Pipeline

/// A log output's payload that keeps the batches its events came from (for dead letters and
/// subsets) and, with a disk buffer, one hold on each batch's acknowledgements.
///
/// With a disk buffer the shards hold each source batch's acknowledgements once per payload
/// (`hold(1)` when a batch first enters the payload), and `deliverHolding` releases them when
/// the payload is settled, which releases the disk record once all its events are.
protocol LogDeliveryPayload: DeliveryPayload {
    var batches: [LogBatch] { get }
}

extension DeliveryDriver where P.Payload: LogDeliveryPayload {
    /// Delivers `payload`. When it `holding` its batches' acknowledgements (read back from a
    /// disk buffer), releases them after: `.delivered` when nothing is left, `.dropped` when
    /// shutdown cut it short (its records stay on disk, so it is not counted as dropped).
    func deliver(_ payload: P.Payload, holding: Bool) async {
        guard holding else {
            await deliver(payload)
            return
        }
        let left = await deliver(payload, abandoned: .kept)
        for batch in payload.batches { batch.acknowledgements.release(left == 0 ? .delivered : .dropped) }
    }
}
