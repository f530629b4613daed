/// How the driver treats an attempt's result.
///
/// `SideRequest` is the output's own description of a request to make first
/// (`Never` for protocols without one).
package enum DeliveryOutcome<SideRequest: Sendable>: Sendable {
    /// Done: count the events as sent.
    case delivered
    /// The receiver answered per item: count the delivered ones as sent, dead-letter the
    /// rejected ones and send the rest again as a subset (Elasticsearch `_bulk`).
    case partial(DeliveryItemOutcomes)
    /// Send again after the backoff, or after `after` when the receiver said so.
    case retry(after: Duration?, DeliveryFailure)
    /// Never retry: the events go to the dead-letter file.
    case reject(DeliveryFailure)
    /// The receiver refused the size: send the payload again in halves.
    case split(DeliveryFailure)
    /// Make `SideRequest` first (create a missing stream), then send again at once.
    case sideRequest(SideRequest, DeliveryFailure)
}

extension DeliveryOutcome: Equatable where SideRequest: Equatable {}

/// What a per-item answer said about the items that were not delivered; every item
/// listed in neither `retry` nor `rejected` was delivered.
package struct DeliveryItemOutcomes: Sendable, Equatable {
    /// Items to send again (ascending indices into the payload).
    package var retry: [Int]
    /// Why the first retried item failed (the log line; its kind counts each retried item).
    package var retryFailure: DeliveryFailure?
    /// The wait the receiver asked for, if any.
    package var retryAfter: Duration?
    /// Items refused for good (ascending), each with its reason.
    package var rejected: [(item: Int, failure: DeliveryFailure)]
    /// How many further items were refused for good without the receiver saying which (OTLP
    /// `partial_success`), and why: counted as `dropped{reason="rejected"}` and logged; with
    /// no items to name, nothing goes to the dead-letter file.
    package var unnamedRejected: (count: Int, failure: DeliveryFailure)?

    package init(retry: [Int] = [], retryFailure: DeliveryFailure? = nil, retryAfter: Duration? = nil,
                rejected: [(item: Int, failure: DeliveryFailure)] = [],
                unnamedRejected: (count: Int, failure: DeliveryFailure)? = nil) {
        self.retry = retry
        self.retryFailure = retryFailure
        self.retryAfter = retryAfter
        self.rejected = rejected
        self.unnamedRejected = unnamedRejected
    }

    package static func == (a: Self, b: Self) -> Bool {
        a.retry == b.retry && a.retryFailure == b.retryFailure && a.retryAfter == b.retryAfter
            && a.rejected.elementsEqual(b.rejected) { $0.item == $1.item && $0.failure == $1.failure }
            && a.unnamedRejected?.count == b.unnamedRejected?.count && a.unnamedRejected?.failure == b.unnamedRejected?.failure
    }
}
