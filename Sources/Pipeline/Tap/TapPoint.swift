import Atomics
import NIOConcurrencyHelpers
import NIOCore

/// Where `GET /v1/tap/{id}` watches the events a component sends downstream.
///
/// The send path pays one relaxed load while no tap is open. With taps open, a batch is
/// encoded once per publish (SPEC §4 JSON lines) into bytes that every tap on its port
/// shares; the batch itself is never kept, so it stays uniquely owned downstream. Each tap
/// holds at most `maxBytes` for its reader: past that, batches are skipped for that tap
/// and counted, and the component goes on at its own pace.
public final class TapPoint: Sendable {
    /// Encoded bytes a tap holds for its reader, by default, before it skips batches.
    static let defaultMaxBytes = 1 << 20

    /// The component watched.
    public let componentID: String
    private let subscribers = ManagedAtomic<Int>(0)
    private let subscriptions = NIOLockedValueBox<[TapSubscription]>([])
    private let encoder = EventEncoder(encoding: .json)

    init(componentID: String) { self.componentID = componentID }

    /// True while at least one tap is open (one relaxed load on the send path).
    var isActive: Bool { subscribers.load(ordering: .relaxed) > 0 }

    /// Opens a tap on `port` (0 the default port, k+1 the k-th of `ComponentConfig.ports`)
    /// that takes `limit` events at most and holds `maxBytes` of them for its reader.
    func subscribe(port: Int = 0, limit: Int? = nil, maxBytes: Int = TapPoint.defaultMaxBytes) -> TapSubscription {
        let subscription = TapSubscription(port: port, maxBytes: maxBytes, wanted: limit ?? .max)
        subscriptions.withLockedValue {
            $0.append(subscription)
            subscribers.store($0.count, ordering: .relaxed)
        }
        return subscription
    }

    /// Closes `subscription`: it gets nothing more, and its reader sees the end.
    func unsubscribe(_ subscription: TapSubscription) {
        subscriptions.withLockedValue {
            $0.removeAll { $0 === subscription }
            subscribers.store($0.count, ordering: .relaxed)
        }
        subscription.finish()
    }

    /// Closes every open tap (the component is going away).
    func unsubscribeAll() {
        let all = subscriptions.withLockedValue { list in
            defer { list = []; subscribers.store(0, ordering: .relaxed) }
            return list
        }
        for subscription in all { subscription.finish() }
    }

    /// Offers `batch`, sent on `port`, to every open tap. Never waits: a tap that is full
    /// counts the batch as skipped.
    func publish(_ batch: borrowing EventBatch, port: Int) {
        let all = subscriptions.withLockedValue { $0 }
        let count = batch.count
        var encoded: ByteBuffer?
        for subscription in all where subscription.port == port && subscription.admit(count) {
            if encoded == nil {
                var bytes = ByteBufferAllocator().buffer(capacity: batch.byteCount + count * 96)
                encoder.encode(batch, into: &bytes)
                encoded = bytes
            }
            subscription.append(encoded!, events: count)
        }
    }
}
