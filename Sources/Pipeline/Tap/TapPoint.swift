import Atomics

/// Where `GET /v1/tap/{id}` watches the events a component sends downstream.
public final class TapPoint: Sendable {
    /// The component watched.
    public let componentID: String
    private let subscribers = ManagedAtomic<Int>(0)

    init(componentID: String) { self.componentID = componentID }

    /// True while at least one tap is open (one relaxed load on the send path).
    var isActive: Bool { subscribers.load(ordering: .relaxed) > 0 }

    /// Offers `batch`, sent on `port`, to every open tap.
    func publish(_ batch: borrowing EventBatch, port: Int) {}
}
