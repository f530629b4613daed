/// What an output's folder gives the delivery driver: how a payload becomes a request on
/// each attempt, how an answer reads, and which request to make first when one is missing.
///
/// ```
/// prepare(payload, attempt) ─▶ transport.send ─▶ classify(result, of: payload)
///     ▲ every attempt, so a signature         │
///     │ carries that attempt's date           ├─ sideRequest(s) ─▶ prepare(side: s) ─▶ send ─▶ classify(side:)
///     └───────────────────────────────────────┘                     (then the payload again, at once)
/// ```
/// The driver owns batching, retries, backoff, splitting, subsets and dead letters; a
/// conformance holds only protocol knowledge, and is cheap to call from many lanes.
package protocol DeliveryProtocol: Sendable {
    associatedtype Payload: DeliveryPayload
    associatedtype Transport: DeliveryTransport
    /// A request to make before the payload can go (CloudWatch `CreateLogStream`); `Never` if none.
    associatedtype SideRequest: Sendable = Never

    /// The request for attempt `attempt` (1 = first) of `payload`.
    func prepare(_ payload: Payload, attempt: Int) -> Transport.Request
    /// What to do after sending `payload` got `result`.
    func classify(_ result: DeliveryResult<Transport.Response>, of payload: Payload) -> DeliveryOutcome<SideRequest>
    /// The request for `side`, asked for while delivering `payload`.
    func prepare(side: SideRequest, for payload: Payload) -> Transport.Request
    /// What the side request's `result` means for the payload waiting on it.
    func classify(side: SideRequest, _ result: DeliveryResult<Transport.Response>) -> DeliverySideOutcome
}

/// How a side request ended, for the payload waiting on it.
package enum DeliverySideOutcome: Sendable, Equatable {
    /// Done (or already so, like `ResourceAlreadyExistsException`): send the payload again now.
    case done
    /// Back off, then send the payload again (which may ask for the side request again).
    case retry(after: Duration?, DeliveryFailure)
    /// The payload cannot go: dead-letter it with this reason.
    case reject(DeliveryFailure)
}

extension DeliveryProtocol where SideRequest == Never {
    package func prepare(side: Never, for payload: Payload) -> Transport.Request {}
    package func classify(side: Never, _ result: DeliveryResult<Transport.Response>) -> DeliverySideOutcome {}
}
