import Foundation
import NIOCore
import NIOHTTP1
import Pipeline

/// One drain connection: checks each request, parses its body, queues the frames and answers.
///
/// Logplex drops a batch for good on any 4xx but 429 and retries others only twice, so the
/// answer is 2xx only once the frames are queued downstream; under backpressure or at
/// shutdown it is 503 with `Retry-After`.
final class DrainRequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: DrainState
    private let lane: InputLane
    /// Set when the connection opened over `max_connections`: its request gets a 503.
    private var overLimit = false
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Set when the request was refused at its head; the body is skipped.
    private var refusal: (HTTPResponseStatus, String)?
    private var fields = LogplexBodyParser.RequestFields()
    /// Requests answered or given up on so far; a late acknowledgement of an earlier one is ignored.
    var requestNumber = 0
    /// The request waiting for its acknowledgement (`acknowledgements: true`).
    var awaiting: (number: Int, head: HTTPRequestHead, timeout: Scheduled<Void>)?

    init(state: DrainState, lane: InputLane) {
        self.state = state
        self.lane = lane
    }

    func channelActive(context: ChannelHandlerContext) {
        let open = state.connections.wrappingIncrementThenLoad(ordering: .relaxed)
        overLimit = open > state.config.maxConnections
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.connections.wrappingDecrement(ordering: .relaxed)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
            refusal = check(h)
        case .body(var chunk):
            guard refusal == nil else { return }
            if body.readableBytes + chunk.readableBytes > state.config.maxBodyBytes {
                refusal = (.payloadTooLarge, "body over max_body_bytes (\(state.config.maxBodyBytes))")
                body.clear()
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            if let (status, why) = refusal {
                state.refused(Int(status.code), why)
                let busy = status == .serviceUnavailable
                respond(context, head, status, close: status == .payloadTooLarge || busy, retryAfter: busy, text: why)
                return
            }
            accept(context, head)
        }
    }

    /// The refusal a request head earns, if any.
    private func check(_ h: HTTPRequestHead) -> (HTTPResponseStatus, String)? {
        let config = state.config
        if overLimit { return (.serviceUnavailable, "over max_connections (\(config.maxConnections))") }
        let path = String(h.uri.prefix { $0 != "?" })
        guard path == config.path else { return (.notFound, "no drain at \(path)") }
        guard h.method == .POST else { return (.methodNotAllowed, "method \(h.method) (drains take POST)") }
        if let type = h.headers.first(name: "Content-Type"), !type.lowercased().hasPrefix("application/logplex-1") {
            return (.unsupportedMediaType, "content type \(type) is not application/logplex-1")
        }
        if let length = h.headers.first(name: "Content-Length").flatMap(Int.init), length > config.maxBodyBytes {
            return (.payloadTooLarge, "body of \(length) bytes over max_body_bytes (\(config.maxBodyBytes))")
        }
        let token = h.headers.first(name: "Logplex-Drain-Token")
        let basic = Self.basicAuth(h.headers)
        if !config.tokens.isEmpty {
            let ok = token.map(config.tokens.contains) == true || basic.map { config.tokens.contains($0.password) } == true
            guard ok else { return (.unauthorized, "no accepted drain token or basic-auth password") }
        }
        fields = LogplexBodyParser.RequestFields(
            drainToken: token, frameID: h.headers.first(name: "Logplex-Frame-Id"),
            app: token.flatMap { config.apps[$0] } ?? basic?.user ?? Self.queryParameter("app", in: h.uri))
        return nil
    }

    private func accept(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let now = WallClock.nanoseconds()
        if let id = fields.frameID, state.dedupe.withLockedValue({ $0.contains(id, now: now) }) {
            state.duplicates.wrappingIncrement(ordering: .relaxed)
            respond(context, head, .noContent)
            return
        }
        let result = state.parser.parse(body, fields: fields, now: now)
        state.metrics.receivedBytes.wrappingIncrement(by: body.readableBytes, ordering: .relaxed)
        if result.malformed > 0 {
            state.parseErrors.wrappingIncrement(by: result.malformed, ordering: .relaxed)
            state.log.warning("\(result.malformed) malformed frame(s) kept as malformed events; first: \(result.firstProblem ?? "?")")
        }
        if let header = head.headers.first(name: "Logplex-Msg-Count"), Int(header) != result.frames {
            state.countMismatches.wrappingIncrement(ordering: .relaxed)
            state.log.warning("Logplex-Msg-Count says '\(header)' but the body has \(result.frames) frames")
        }
        let deadline = now + state.config.backpressureWait.nanoseconds
        var batch = result.batch
        if state.config.acknowledgements, !batch.isEmpty {
            batch.acknowledgements.add(acknowledgementToken(context, frameID: fields.frameID))
        }
        enqueue(context, head, batch, deadline: deadline)
    }

    /// Queues the batch on this loop's lane, retrying on the loop while downstream is full,
    /// until `deadline`.
    private func enqueue(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ batch: consuming LogBatch,
                         deadline: Int64) {
        guard !lane.stopping, let emitter = lane.emitter else {
            state.refused(503, "pipeline is not running (starting or shutting down)")
            respond(context, head, .serviceUnavailable, retryAfter: true)
            return
        }
        let count = batch.count
        var slot: EventBatch? = .logs(batch)
        let acknowledged = state.config.acknowledgements && count > 0
        if count == 0 || emitter.tryEmit(&slot) {
            state.metrics.receivedEvents.wrappingIncrement(by: count, ordering: .relaxed)
            if acknowledged { return awaitAcknowledgement(context, head, deadline: deadline) }
            if let id = fields.frameID { state.dedupe.withLockedValue { $0.insert(id, now: WallClock.nanoseconds()) } }
            respond(context, head, .noContent)
            return
        }
        guard WallClock.nanoseconds() < deadline, case .logs(let pending) = slot.take() else {
            // Never emitted: its token (if any) has no other holder and simply goes away.
            state.refused(503, "downstream is full (backpressure) for \(state.config.backpressureWait.formatted)")
            respond(context, head, .serviceUnavailable, retryAfter: true)
            return
        }
        let bound = NIOLoopBound((self, context, pending), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(10)) {
            let (handler, context, pending) = bound.value
            handler.enqueue(context, head, pending, deadline: deadline)
        }
    }

    func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: HTTPResponseStatus,
                         close: Bool = false, retryAfter: Bool = false, text: String = "") {
        var headers = HTTPHeaders()
        let body = text.isEmpty ? "" : text + "\n"
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !body.isEmpty { headers.add(name: "Content-Type", value: "text/plain; charset=utf-8") }
        if retryAfter { headers.add(name: "Retry-After", value: "1") }
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "POST") }
        if status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Basic realm=\"pipectl drain\"") }
        let closing = close || !head.isKeepAlive
        if closing { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    private static func basicAuth(_ headers: HTTPHeaders) -> (user: String, password: String)? {
        guard let value = headers.first(name: "Authorization"), value.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(value.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":") else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }

    private static func queryParameter(_ name: String, in uri: String) -> String? {
        guard let q = uri.firstIndex(of: "?") else { return nil }
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]).removingPercentEncoding }
        }
        return nil
    }
}
