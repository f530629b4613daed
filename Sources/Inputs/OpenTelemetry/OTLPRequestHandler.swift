import Codecs
import NIOCore
import NIOHTTP1
import Pipeline

/// One OTLP/HTTP connection: checks each request, decodes its body, queues the batch and
/// answers as the OTLP specification says: 200 (with `partial_success` when some items were
/// refused), 400 for a body that does not decode, 401/404/405/413/415 for what the request
/// itself gets wrong, 503 with `Retry-After` under backpressure or at shutdown (clients retry).
final class OTLPRequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: OTLPReceiverState
    private let lane: InputLane
    private var decoder: OTLPRequestDecoder
    /// Set when the connection opened over `max_connections`: its requests get a 503.
    private var overLimit = false
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// The request's signal and body format, once its head passed the checks.
    private var accepted: (signal: OTLPSignal, format: OTLPBodyFormat)?
    /// Set when the request was refused at its head; the body is skipped.
    private var refusal: OTLPRefusal?
    /// The encoding the request's head announced (protobuf when none it takes), for refusals.
    private var answerFormat = OTLPBodyFormat(json: false, gzip: false)
    /// Hands decoded requests downstream (made with the first request, on the loop).
    private var requests: OTLPRequestQueue?

    /// The largest body buffer a connection keeps between requests.
    static let keptBodyCapacity = 1 << 20

    init(state: OTLPReceiverState, lane: InputLane) {
        self.state = state
        self.lane = lane
        decoder = OTLPRequestDecoder(state: state)
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
            accepted = nil
            refusal = nil
            // Refusals decided from the head are answered in the encoding the request announced.
            answerFormat = (try? OTLPBodyFormat.of(h.headers).get()) ?? OTLPBodyFormat(json: false, gzip: false)
            switch check(h) {
            case .success(let request): accepted = request
            case .failure(let why): refusal = why
            }
        case .body(var chunk):
            guard refusal == nil else { return }
            if body.readableBytes + chunk.readableBytes > state.config.maxBodyBytes {
                refusal = OTLPRefusal(.payloadTooLarge, "body over max_body_bytes (\(state.config.maxBodyBytes))")
                body.clear()
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            if let refusal {
                return refuse(context, head, refusal, format: answerFormat)
            }
            guard let (signal, format) = accepted else { return }
            decodeAndQueue(context, head, signal: signal, format: format)
            // The buffer is reused for the next body (a span batch that shares it makes the next
            // write copy on write), but a keep-alive connection does not keep a large one.
            if body.capacity > Self.keptBodyCapacity { body = ByteBuffer() }
        }
    }

    /// The signal and body format of a request, or the refusal its head earns.
    private func check(_ h: HTTPRequestHead) -> Result<(signal: OTLPSignal, format: OTLPBodyFormat), OTLPRefusal> {
        let config = state.config
        if overLimit { return .failure(OTLPRefusal(.serviceUnavailable, "over max_connections (\(config.maxConnections))")) }
        let path = h.uri.prefix { $0 != "?" }
        guard let signal = OTLPSignal.allCases.first(where: { $0.path == path }) else {
            return .failure(OTLPRefusal(.notFound, "no OTLP endpoint at \(path) (/v1/logs, /v1/metrics, /v1/traces)"))
        }
        guard h.method == .POST else { return .failure(OTLPRefusal(.methodNotAllowed, "method \(h.method) (OTLP/HTTP takes POST)")) }
        guard state.authorizes(h.headers) else { return .failure(OTLPRefusal(.unauthorized, "no accepted bearer token")) }
        let format: OTLPBodyFormat
        switch OTLPBodyFormat.of(h.headers) {
        case .success(let f): format = f
        case .failure(let why): return .failure(why)
        }
        if let length = h.headers.first(name: "Content-Length").flatMap(Int.init), length > config.maxBodyBytes {
            return .failure(OTLPRefusal(.payloadTooLarge, "body of \(length) bytes over max_body_bytes (\(config.maxBodyBytes))"))
        }
        return .success((signal, format))
    }

    private func decodeAndQueue(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, signal: OTLPSignal, format: OTLPBodyFormat) {
        let now = WallClock.nanoseconds()
        state.metrics.receivedBytes.wrappingIncrement(by: body.readableBytes, ordering: .relaxed)
        switch decoder.decode(body, signal: signal, format: format, now: now) {
        case .failure(let why):
            refuse(context, head, why, format: format)
        case .success(let decoded):
            state.countRejected(decoded, signal: signal)
            let answer = OTLPResponse.success(signal, rejected: decoded.rejected, message: decoded.rejection, json: format.json)
            queue(context).submit(decoded.batch, port: signal.port, arrivedAt: now) { [self] refusal in
                if let refusal { return refuse(context, head, refusal, format: format) }
                respond(context, head, .ok, body: answer, format: format)
            }
        }
    }

    /// The connection's queue, made on its loop with the first request.
    private func queue(_ context: ChannelHandlerContext) -> OTLPRequestQueue {
        if let requests { return requests }
        let made = OTLPRequestQueue(state: state, lane: lane, loop: context.eventLoop)
        requests = made
        return made
    }

    /// Counts and logs a refusal, and answers it with a `google.rpc.Status` body.
    private func refuse(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ why: OTLPRefusal, format: OTLPBodyFormat) {
        let signal = OTLPSignal.allCases.first { $0.path == head.uri.prefix { $0 != "?" } }
        state.refused(Int(why.status.code), signal, why.message)
        let closing = why.status == .payloadTooLarge || why.status == .serviceUnavailable
        respond(context, head, why.status, body: OTLPResponse.status(code: why.grpcCode, message: why.message, json: format.json),
                format: format, close: closing)
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: HTTPResponseStatus, body: ByteBuffer,
                 format: OTLPBodyFormat, close: Bool = false) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Content-Type", value: format.contentType)
        if status == .serviceUnavailable || status == .tooManyRequests { headers.add(name: "Retry-After", value: "1") }
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "POST") }
        if status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        let closing = close || !head.isKeepAlive
        if closing { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
