import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for GET-style endpoints (admin API, Prometheus exporter).
///
/// Each request is answered from its head alone (request bodies are discarded), by a
/// synchronous handler on the connection's event loop, or by an async one off it. An answer
/// is a whole body (`Content-Length`) or a stream (`Transfer-Encoding: chunked`) written as
/// its producer goes. Connections are kept alive as clients ask; NIO's pipelining helper
/// holds a connection's next request until the current answer has ended.
public final class SimpleHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        public let method: HTTPMethod
        public let uri: String
        public let headers: HTTPHeaders
        /// The path without the query string.
        public var path: String { String(uri.prefix { $0 != "?" }) }

        /// The first query parameter called `name`, percent-decoded (`+` is a space); nil when absent.
        public func query(_ name: String) -> String? {
            guard let mark = uri.firstIndex(of: "?") else { return nil }
            for pair in uri[uri.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if Self.percentDecoded(parts[0]) == name { return parts.count > 1 ? Self.percentDecoded(parts[1]) : "" }
            }
            return nil
        }

        private static func percentDecoded(_ text: Substring) -> String {
            var bytes: [UInt8] = []
            var utf8 = text.utf8[...]
            while let byte = utf8.popFirst() {
                if byte == UInt8(ascii: "%"), utf8.count >= 2,
                   let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    utf8 = utf8.dropFirst(2)
                } else {
                    bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Writes the chunks of a streamed answer.
    public struct ChunkWriter: Sendable {
        let channel: any Channel

        /// Writes `chunk` and returns once it has reached the socket, so a producer runs no
        /// further ahead of a slow client than one chunk; throws once the client is gone.
        public func write(_ chunk: ByteBuffer) async throws {
            try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(chunk))).get()
        }

        /// Writes `chunks` (one HTTP chunk each) with one flush, returning as `write` does.
        public func write(_ chunks: [ByteBuffer]) async throws {
            guard let last = chunks.last else { return }
            for chunk in chunks.dropLast() { channel.write(HTTPServerResponsePart.body(.byteBuffer(chunk)), promise: nil) }
            try await write(last)
        }
    }

    /// Writes a streamed body. The server cancels it when the client disconnects or the server
    /// stops; it should then write its last chunk (a write to a closed connection throws) and return.
    public typealias StreamProducer = @Sendable (ChunkWriter) async -> Void

    /// The handler's answer.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// When set, the body is this producer's chunks instead of `body`.
        public var stream: StreamProducer?

        public init(status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8", body: ByteBuffer) {
            self.status = status
            self.headers = ["Content-Type": contentType]
            self.body = body
        }

        public init(status: HTTPResponseStatus, text: String) {
            self.init(status: status, body: ByteBuffer(string: text))
        }

        /// An answer whose body `produce` writes in chunks, as they come.
        public static func stream(status: HTTPResponseStatus = .ok, contentType: String,
                                  _ produce: @escaping StreamProducer) -> Response {
            var response = Response(status: status, contentType: contentType, body: ByteBuffer())
            response.stream = produce
            return response
        }
    }

    public typealias Handler = @Sendable (Request) -> Response
    public typealias AsyncHandler = @Sendable (Request) async -> Response

    enum Responder: Sendable {
        case sync(Handler)
        case async(AsyncHandler)
    }

    private let host: String
    private let port: Int
    private let responder: Responder
    private let channelBox = NIOLockedValueBoxChannel()
    private let streams = ActiveStreams()

    /// A server answering each request with `handler`, on the connection's event loop.
    public init(host: String, port: Int, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.responder = .sync(handler)
    }

    /// A server answering each request with `handler`, which may suspend (one task per request).
    public init(host: String, port: Int, asyncHandler: @escaping AsyncHandler) {
        self.host = host
        self.port = port
        self.responder = .async(asyncHandler)
    }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let responder = self.responder, streams = self.streams
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(responder: responder, streams: streams))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw PipectlError("cannot listen on \(host):\(port): \(Self.describe(error))")
        }
        channelBox.set(channel)
        return channel.localAddress?.port ?? port
    }

    /// Stops listening, and ends every streamed answer: its producer is cancelled and has up
    /// to `streamGrace` to write its last chunk before the connection is closed.
    public func stop(streamGrace: Duration = .seconds(2)) async {
        try? await channelBox.take()?.close()
        await streams.end(grace: streamGrace)
    }

    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        return "\(error)"
    }
}

extension SimpleHTTPServer {
    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let responder: Responder
        private let streams: ActiveStreams
        private var head: HTTPRequestHead?
        /// The streamed answer in progress (at most one: pipelining waits for its end).
        private var streamTask: Task<Void, Never>?

        init(responder: Responder, streams: ActiveStreams) {
            self.responder = responder
            self.streams = streams
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
            case .body:
                break
            case .end:
                guard let head else { return }
                self.head = nil
                let request = Request(method: head.method, uri: head.uri, headers: head.headers)
                switch responder {
                case .sync(let handler):
                    respond(handler(request), to: head, context: context)
                case .async(let handler):
                    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    Task {
                        let response = await handler(request)
                        bound.eventLoop.execute { [self] in
                            guard bound.value.channel.isActive else { return }
                            respond(response, to: head, context: bound.value)
                        }
                    }
                }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            streamTask?.cancel()
            streamTask = nil
            context.fireChannelInactive()
        }

        private func respond(_ response: Response, to head: HTTPRequestHead, context: ChannelHandlerContext) {
            if let produce = response.stream {
                stream(produce, response: response, to: head, context: context)
                return
            }
            var headers = response.headers
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
            finish(keepAlive: keepAlive, context: context)
        }

        /// Writes the head, then runs the producer in a task; ends the answer when it returns.
        private func stream(_ produce: @escaping StreamProducer, response: Response, to head: HTTPRequestHead,
                            context: ChannelHandlerContext) {
            var headers = response.headers
            headers.remove(name: "Content-Length")
            // HTTP/1.0 has no chunked encoding: the body then ends when the connection closes.
            let chunked = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
            let keepAlive = head.isKeepAlive && chunked
            if chunked { headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked") }
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            let writer = ChunkWriter(channel: context.channel)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let streams = self.streams
            let task = Task { [self] in
                await produce(writer)
                bound.eventLoop.execute { [self] in
                    streamTask = nil
                    guard bound.value.channel.isActive else { return }
                    finish(keepAlive: keepAlive, context: bound.value)
                }
            }
            streamTask = task
            streams.add(task, channel: context.channel)
        }

        private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}

/// The streamed answers in progress, so `stop` can end them.
private final class ActiveStreams: Sendable {
    private struct Entry: Sendable {
        let task: Task<Void, Never>
        let channel: any Channel
    }

    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    func add(_ task: Task<Void, Never>, channel: any Channel) {
        let key = ObjectIdentifier(channel)
        entries.withLockedValue { $0[key] = Entry(task: task, channel: channel) }
        Task {
            await task.value
            entries.withLockedValue { if $0[key]?.task == task { $0[key] = nil } }
        }
    }

    /// Cancels every producer, waits up to `grace` for them to return, then closes what is left.
    func end(grace: Duration) async {
        let all = entries.withLockedValue { Array($0.values) }
        guard !all.isEmpty else { return }
        for entry in all { entry.task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for entry in all { await entry.task.value } }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
        }
        for entry in all { try? await entry.channel.close() }
    }
}

/// Holds the listening channel between `start` and `stop`.
private final class NIOLockedValueBoxChannel: @unchecked Sendable {
    private let lock = NIOLock()
    private var channel: (any Channel)?

    func set(_ c: any Channel) { lock.withLock { channel = c } }
    func take() -> (any Channel)? { lock.withLock { defer { channel = nil }; return channel } }
}
