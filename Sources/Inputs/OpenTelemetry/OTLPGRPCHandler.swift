import Codecs
import NIOCore
import NIOHTTP1
import Pipeline

/// One OTLP/gRPC call (an HTTP/2 stream, seen through NIO's HTTP/1 codec for streams):
/// checks the call, unframes and decodes its message, queues the batch (`OTLPRequestQueue`)
/// and answers with the `Export*ServiceResponse` (a partial success when some items were
/// refused) and `grpc-status: 0`, or with a gRPC error status (`OTLPGRPCMessage.code`).
final class OTLPGRPCHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: OTLPReceiverState
    private let lane: InputLane
    private var decoder: OTLPRequestDecoder
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var call: (signal: OTLPSignal, gzip: Bool)?
    private var refusal: OTLPRefusal?
    private var requests: OTLPRequestQueue?

    init(state: OTLPReceiverState, lane: InputLane) {
        self.state = state
        self.lane = lane
        decoder = OTLPRequestDecoder(state: state)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            switch check(h) {
            case .success(let c): call = c
            case .failure(let why): refusal = why
            }
        case .body(var chunk):
            guard refusal == nil else { return }
            if body.readableBytes + chunk.readableBytes > state.config.maxBodyBytes + 5 {
                refusal = OTLPRefusal(.payloadTooLarge, "message over max_body_bytes (\(state.config.maxBodyBytes))")
                body.clear()
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            if let refusal { return refuse(context, head, refusal) }
            guard let (signal, gzip) = call else { return }
            decodeAndQueue(context, head, signal: signal, gzip: gzip)
        }
    }

    private func check(_ h: HTTPRequestHead) -> Result<(signal: OTLPSignal, gzip: Bool), OTLPRefusal> {
        guard h.method == .POST, let signal = OTLPGRPCMessage.signal(forPath: h.uri.prefix { $0 != "?" }) else {
            return .failure(OTLPRefusal(.notFound, "no OTLP/gRPC method \(h.method) \(h.uri)"))
        }
        guard h.headers.first(name: "content-type")?.lowercased().hasPrefix("application/grpc") == true else {
            return .failure(OTLPRefusal(.unsupportedMediaType, "content-type \(h.headers.first(name: "content-type") ?? "(none)") is not application/grpc"))
        }
        guard state.authorizes(h.headers) else { return .failure(OTLPRefusal(.unauthorized, "no accepted bearer token")) }
        switch h.headers.first(name: "grpc-encoding")?.lowercased() ?? "identity" {
        case "identity": return .success((signal, false))
        case "gzip": return .success((signal, true))
        case let other: return .failure(OTLPRefusal(.notImplemented, "grpc-encoding \(other) (this receiver takes gzip or identity)"))
        }
    }

    private func decodeAndQueue(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, signal: OTLPSignal, gzip: Bool) {
        let now = WallClock.nanoseconds()
        state.metrics.receivedBytes.wrappingIncrement(by: body.readableBytes, ordering: .relaxed)
        let message: ByteBuffer
        switch OTLPGRPCMessage.unframe(body, gzip: gzip, limit: state.config.maxBodyBytes) {
        case .success(let m): message = m
        case .failure(let why): return refuse(context, head, why)
        }
        switch decoder.decode(message, signal: signal, format: OTLPBodyFormat(json: false, gzip: false), now: now) {
        case .failure(let why):
            refuse(context, head, why)
        case .success(let decoded):
            state.countRejected(decoded, signal: signal)
            let answer = OTLPResponse.success(signal, rejected: decoded.rejected, message: decoded.rejection, json: false)
            queue(context).submit(decoded.batch, port: signal.port, arrivedAt: now) { [self] refusal in
                if let refusal { return refuse(context, head, refusal) }
                respond(context, head, message: answer)
            }
        }
    }

    private func queue(_ context: ChannelHandlerContext) -> OTLPRequestQueue {
        if let requests { return requests }
        let made = OTLPRequestQueue(state: state, lane: lane, loop: context.eventLoop)
        requests = made
        return made
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, message: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/grpc")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(OTLPGRPCMessage.frame(message)))), promise: nil)
        var trailers = HTTPHeaders()
        trailers.add(name: "grpc-status", value: "0")
        context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
    }

    /// Counts and logs a refusal (by its HTTP status, as the OTLP/HTTP handler does) and
    /// answers it with its gRPC status in the trailers; a call that is not gRPC at all gets
    /// HTTP 415, as the gRPC specification asks.
    private func refuse(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ why: OTLPRefusal) {
        state.refused(Int(why.status.code), OTLPGRPCMessage.signal(forPath: head.uri.prefix { $0 != "?" }), "(gRPC) " + why.message)
        let notGRPC = why.status == .unsupportedMediaType
        var headers = HTTPHeaders()
        if !notGRPC { headers.add(name: "content-type", value: "application/grpc") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: notGRPC ? why.status : .ok, headers: headers))),
                      promise: nil)
        var trailers = HTTPHeaders()
        trailers.add(name: "grpc-status", value: String(OTLPGRPCMessage.code(why)))
        trailers.add(name: "grpc-message", value: OTLPGRPCMessage.percentEncoded(why.message))
        context.writeAndFlush(wrapOutboundOut(.end(notGRPC ? nil : trailers)), promise: nil)
    }
}
