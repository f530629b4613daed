import Atomics
import NIOCore
import NIOPosix
import NIOSSL
import Pipeline

/// Writes to an ordered connection (syslog over TCP or TLS): connects on demand, writes
/// each request in order, and on a new connection first writes again what the receiver
/// had not confirmed (`DeliveryStreamLedger`), so nothing written is lost across a
/// reconnect: delivery is at least once, and a receiver may see the replayed events twice.
///
/// ```
/// send(w) ─▶ connected? ──no──▶ connect (TLS: handshake) ─▶ write the unconfirmed writes again
///               │yes                                                │
///               ▼                                                   ▼
///         confirm what TCP acknowledged (tcpAcknowledged: TCP_INFO) ─▶ room in the window?
///         (acknowledgements; waits for them) ─▶ write w ─▶ its end offset noted ─▶ .response
/// any failure (connect, write, timeout, closed while waiting) ─▶ close ─▶ .failure
/// ```
/// With `tcpAcknowledged`, a `DeliveryStreamByteCounter` next to the socket gives each
/// write's end offset in the bytes sent (ciphertext under TLS), and the kernel's count of
/// bytes the receiver's TCP acknowledged confirms the writes before it, less a tail.
/// The transport never retries: the driver backs off (jittered) and sends again, which
/// reconnects. One lane per connection: `send` is never called while another is under
/// way, and there is no split. Everything runs on one event loop, so the ledger needs no
/// lock. Every step is bounded by `timeout` (connect, write, waiting for acknowledgements).
package final class DeliveryStreamTransport: DeliveryTransport {
    package typealias Request = DeliveryStreamWrite
    package typealias Response = Void

    /// `tcp://host:port` or `tls://host:port`.
    package let endpoint: String
    /// Events written again on a new connection (each may reach the receiver twice).
    package let replayedEvents = ManagedAtomic<Int>(0)
    private let name: String
    private let host: String
    private let port: Int
    private let tls: NIOSSLContext?
    private let serverName: String?
    private let read: (@Sendable (inout ByteBuffer) throws -> Int)?
    /// `tcpAcknowledged`: writes are confirmed by what the receiver's TCP acknowledged.
    private let tracksTCP: Bool
    private let timeout: TimeAmount
    private let metrics: ComponentMetrics
    private let log: RateLimitedLogger
    private let loop: any EventLoop
    private let state: NIOLoopBoundBox<State>

    /// What lives on the loop: the ledger, the channel, and a send waiting for acknowledgements.
    private struct State {
        var ledger: DeliveryStreamLedger
        var channel: (any Channel)?
        /// The live channel's byte counter.
        var counter: DeliveryStreamByteCounter?
        var waiter: Waiter?
        var sending = false
        /// Why the current connection failed (a TLS handshake refusal), for the messages that
        /// would otherwise only say that it closed.
        var failure: String?
    }

    private struct Waiter {
        let promise: EventLoopPromise<Void>
        /// Waiting until nothing is unconfirmed (`confirmAll`), not only for room.
        let untilEmpty: Bool
        let timer: Scheduled<Void>
    }

    /// - Parameters:
    ///   - name: the component's name in messages.
    ///   - tls: client TLS, or nil for plain TCP; `serverName` overrides the SNI and verified name.
    ///   - timeout: the limit of a connect, a write and a wait for acknowledgements.
    ///   - metrics: `retries` counts writes made again after a reconnect.
    package init(name: String, host: String, port: Int, tls: TLSConfiguration?, serverName: String? = nil,
                confirmation: DeliveryStreamConfirmation, timeout: Duration, metrics: ComponentMetrics,
                log: RateLimitedLogger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.name = name
        self.host = host
        self.port = port
        self.tls = try tls.map { try NIOSSLContext(configuration: $0) }
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        self.serverName = serverName ?? (isAddress ? nil : host)
        endpoint = "\(tls == nil ? "tcp" : "tls")://\(host):\(port)"
        switch confirmation {
        case .acknowledgements(_, let read): (self.read, tracksTCP) = (read, false)
        case .tcpAcknowledged: (read, tracksTCP) = (nil, true)
        }
        self.timeout = .nanoseconds(timeout.nanoseconds)
        self.metrics = metrics
        self.log = log
        loop = group.next()
        state = .makeBoxSendingValue(State(ledger: DeliveryStreamLedger(confirmation)), eventLoop: loop)
    }

    package func send(_ write: DeliveryStreamWrite) async -> DeliveryResult<Void> {
        await result { self.sendOnLoop(write) }
    }

    /// Makes sure the receiver has everything: after a dropped connection, reconnects and
    /// writes the unconfirmed writes again; with acknowledgements, waits for all of them;
    /// with `tcpAcknowledged`, until the receiver's TCP acknowledged every byte (the tail too).
    package func confirmAll() async -> DeliveryResult<Void> {
        await result {
            guard !self.state.value.ledger.isEmpty else { return self.loop.makeSucceededVoidFuture() }
            return self.connection().flatMap { channel in
                self.tracksTCP ? self.drain(channel) : self.wait(untilEmpty: true, on: channel)
            }
        }
    }

    /// Forgets the unconfirmed writes (given up on); returns their events.
    package func abandon() async -> Int {
        (try? await loop.submit { self.state.value.ledger.abandon() }.get()) ?? 0
    }

    package func shutdown() async {
        try? await loop.flatSubmit { () -> EventLoopFuture<Void> in
            let channel = self.state.value.channel
            self.state.value.channel = nil
            return channel?.close() ?? self.loop.makeSucceededVoidFuture()
        }.get()
    }

    private func result(_ body: @escaping @Sendable () -> EventLoopFuture<Void>) async -> DeliveryResult<Void> {
        do {
            try await loop.flatSubmit { body().flatMapErrorThrowing { throw self.explained($0) } }.get()
            return .response(())
        } catch {
            return .failure(Self.describe(error))
        }
    }

    private func sendOnLoop(_ write: DeliveryStreamWrite) -> EventLoopFuture<Void> {
        precondition(!state.value.sending, "BUG: one lane per stream connection")
        state.value.sending = true
        return connection()
            .flatMap { channel in self.poll(channel).map { _ in channel } }
            .flatMap { channel in self.wait(untilEmpty: false, on: channel).map { channel } }
            .flatMap { channel in
                self.state.value.ledger.write(write)
                return self.write(write.bytes, on: channel).flatMapErrorThrowing { error in
                    self.state.value.ledger.takeBack()
                    throw error
                }
            }
            .always { _ in self.state.value.sending = false }
    }

    /// The live channel, or a new one on which the unconfirmed writes were written again.
    private func connection() -> EventLoopFuture<any Channel> {
        if let channel = state.value.channel, channel.isActive { return loop.makeSucceededFuture(channel) }
        state.value.channel = nil
        state.value.counter = nil
        state.value.failure = nil
        return bootstrap().connect(host: host, port: port).flatMapThrowing { channel in
            self.state.value.channel = channel
            self.state.value.counter = try channel.pipeline.syncOperations.handler(type: DeliveryStreamByteCounter.self)
            return channel
        }.flatMap { channel in
            let replay = self.state.value.ledger.replay()
            guard let last = replay.last else { return self.loop.makeSucceededFuture(channel) }
            let events = replay.reduce(0) { $0 + $1.events }
            self.replayedEvents.wrappingIncrement(by: events, ordering: .relaxed)
            self.metrics.retries.wrappingIncrement(by: replay.count, ordering: .relaxed)
            self.log.warning("\(self.name): reconnected to \(self.endpoint); writing \(replay.count) unconfirmed writes "
                             + "(\(events) events) again, the receiver may see some twice")
            for write in replay.dropLast() { self.noteEnd(of: channel.write(write.bytes), on: channel) }
            return self.write(last.bytes, on: channel).map { channel }
        }
    }

    /// Writes and flushes `bytes`, closing the channel if that takes longer than `timeout`.
    private func write(_ bytes: ByteBuffer, on channel: any Channel) -> EventLoopFuture<Void> {
        let timer = loop.scheduleTask(in: timeout) { self.drop(channel) }
        return noteEnd(of: channel.writeAndFlush(bytes), on: channel).always { _ in timer.cancel() }
    }

    /// Once `written` succeeds, the byte counter has passed all of the write (and perhaps
    /// more of the ones after it, which only delays its confirmation): its end offset.
    @discardableResult
    private func noteEnd(of written: EventLoopFuture<Void>, on channel: any Channel) -> EventLoopFuture<Void> {
        guard tracksTCP else { return written }
        return written.map {
            guard self.state.value.channel === channel, let counter = self.state.value.counter else { return }
            self.state.value.ledger.wrote(endingAt: counter.written)
        }
    }

    /// With `tcpAcknowledged`, confirms the writes the receiver's TCP has acknowledged, but the
    /// tail. A socket that cannot be asked (closing) confirms nothing.
    private func poll(_ channel: any Channel, keepingTail: Bool = true) -> EventLoopFuture<Void> {
        guard tracksTCP else { return loop.makeSucceededVoidFuture() }
        return DeliveryStreamTCPInfo.bytesAcknowledged(channel).map { acknowledged in
            guard self.state.value.channel === channel, let counter = self.state.value.counter else { return }
            // Where the system has no such counter, only the tail protects the newest writes.
            self.state.value.ledger.transmitted(acknowledged ?? counter.written, keepingTail: keepingTail)
        }.recover { _ in }
    }

    /// Polls until TCP acknowledged every unconfirmed write, tail included (shutdown); fails
    /// and closes the channel after `timeout` or when it closes.
    private func drain(_ channel: any Channel) -> EventLoopFuture<Void> {
        let deadline = NIODeadline.now() + timeout
        func again() -> EventLoopFuture<Void> {
            poll(channel, keepingTail: false).flatMap {
                if self.state.value.ledger.isEmpty { return self.loop.makeSucceededVoidFuture() }
                guard self.state.value.channel === channel else {
                    return self.loop.makeFailedFuture(OutputError("connection closed by the receiver"))
                }
                guard NIODeadline.now() < deadline else {
                    self.drop(channel)
                    let waited = Duration.nanoseconds(self.timeout.nanoseconds).formatted
                    return self.loop.makeFailedFuture(OutputError("the receiver's TCP did not acknowledge every write within \(waited)"))
                }
                return self.loop.scheduleTask(in: .milliseconds(5)) {}.futureResult.flatMap { again() }
            }
        }
        return again()
    }

    /// With acknowledgements, waits for room in the window (or, `untilEmpty`, for every
    /// acknowledgement); fails when the connection closes or after `timeout` (closing it).
    private func wait(untilEmpty: Bool, on channel: any Channel) -> EventLoopFuture<Void> {
        guard read != nil, !isSatisfied(untilEmpty: untilEmpty) else { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: timeout) {
            self.resumeWaiter(throwing: OutputError("no acknowledgement within \(Duration.nanoseconds(self.timeout.nanoseconds).formatted)"))
            self.drop(channel)
        }
        state.value.waiter = Waiter(promise: promise, untilEmpty: untilEmpty, timer: timer)
        return promise.futureResult
    }

    /// Closes `channel` after a timeout; the send that timed out reports it, and the next one reconnects.
    private func drop(_ channel: any Channel) {
        if state.value.channel === channel { state.value.channel = nil }
        channel.close(promise: nil)
    }

    private func isSatisfied(untilEmpty: Bool) -> Bool {
        untilEmpty ? state.value.ledger.isEmpty : state.value.ledger.hasRoom
    }

    private func resumeWaiter(throwing error: (any Error)?) {
        guard let waiter = state.value.waiter else { return }
        state.value.waiter = nil
        waiter.timer.cancel()
        if let error { waiter.promise.fail(error) } else { waiter.promise.succeed() }
    }

    private func bootstrap() -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DeliveryStreamByteCounter())
                    if let tls = self.tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: self.serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(DeliveryStreamHandler(transport: self, read: self.read))
                }
            }
    }
}

extension DeliveryStreamTransport {
    /// The receiver acknowledged `events` more events on `channel` (on the loop).
    func acknowledged(_ events: Int, on channel: any Channel) {
        guard state.value.channel === channel else { return }
        _ = state.value.ledger.acknowledge(events)
        if let waiter = state.value.waiter, isSatisfied(untilEmpty: waiter.untilEmpty) { resumeWaiter(throwing: nil) }
    }

    /// `channel` closed without our asking (on the loop): the next send reconnects. A send
    /// waiting for acknowledgements fails (and the driver counts it); otherwise the loss of
    /// the connection is counted here, as `errors{kind="network"}`.
    func closed(_ channel: any Channel) {
        guard state.value.channel === channel else { return }
        state.value.channel = nil
        let why = state.value.failure ?? "connection closed by the receiver"
        if state.value.waiter != nil {
            resumeWaiter(throwing: OutputError(why))
        } else {
            metrics.errorCounter("network").wrappingIncrement(ordering: .relaxed)
            log.warning("\(name): \(endpoint): \(why); "
                        + "\(state.value.ledger.count) unconfirmed writes go again on the next connection")
        }
    }

    /// `error` ended `channel` (on the loop): kept as the reason its failures report.
    func failed(_ error: any Error, on channel: any Channel) {
        guard state.value.channel === channel, state.value.failure == nil else { return }
        state.value.failure = Self.describe(error)
    }

    /// A failure of a send as the recorded reason when the error itself only says that the
    /// connection closed (a write on a connection whose TLS handshake was refused).
    private func explained(_ error: any Error) -> any Error {
        guard let failure = state.value.failure, Self.describe(error) == "connection closed" else { return error }
        return OutputError(failure)
    }

    /// A short reason: `connection refused`, `connection reset by peer`, the TLS error.
    static func describe(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return "cannot connect: \(describe(first.error))"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return "cannot connect: timed out"
            case .ioOnClosedChannel, .alreadyClosed, .outputClosed: return "connection closed"
            default: return "\(channel)"
            }
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError { return "TLS: \(error)" }
        return "\(error)"
    }
}
