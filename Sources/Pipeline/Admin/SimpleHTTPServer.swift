import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for GET-style endpoints (admin API, Prometheus exporter).
///
/// Each request is answered by `handler` from its head alone; request bodies are
/// discarded. Connections are kept alive as clients ask.
public final class SimpleHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        public let method: HTTPMethod
        public let uri: String
        public let headers: HTTPHeaders
        /// The path without the query string.
        public var path: String { String(uri.prefix { $0 != "?" }) }
    }

    /// The handler's answer.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer

        public init(status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8", body: ByteBuffer) {
            self.status = status
            self.headers = ["Content-Type": contentType]
            self.body = body
        }

        public init(status: HTTPResponseStatus, text: String) {
            self.init(status: status, body: ByteBuffer(string: text))
        }
    }

    public typealias Handler = @Sendable (Request) -> Response

    private let host: String
    private let port: Int
    private let handler: Handler
    private let channelBox = NIOLockedValueBoxChannel()

    public init(host: String, port: Int, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.handler = handler
    }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let handler = self.handler
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler))
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

    /// Stops listening.
    public func stop() async {
        try? await channelBox.take()?.close()
    }

    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        return "\(error)"
    }

    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let handler: Handler
        private var head: HTTPRequestHead?

        init(handler: @escaping Handler) { self.handler = handler }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
            case .body:
                break
            case .end:
                guard let head else { return }
                self.head = nil
                let response = handler(Request(method: head.method, uri: head.uri, headers: head.headers))
                var headers = response.headers
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
                let keepAlive = head.isKeepAlive
                if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
                let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if !keepAlive {
                    let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                    done.whenComplete { _ in ctx.value.close(promise: nil) }
                }
            }
        }
    }
}

/// Holds the listening channel between `start` and `stop`.
private final class NIOLockedValueBoxChannel: @unchecked Sendable {
    private let lock = NIOLock()
    private var channel: (any Channel)?

    func set(_ c: any Channel) { lock.withLock { channel = c } }
    func take() -> (any Channel)? { lock.withLock { defer { channel = nil }; return channel } }
}
