import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP/1.1 server under the output tests' receivers: each whole request (head and
/// body) is answered by `respond`, with keep-alive, on a free port.
final class TestHTTPServer: Sendable {
    /// A status, its headers (`Content-Length` is added) and a body.
    struct Response {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body = ""
    }

    private let respond: @Sendable (HTTPRequestHead, ByteBuffer) -> Response
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    init(respond: @escaping @Sendable (HTTPRequestHead, ByteBuffer) -> Response) { self.respond = respond }

    /// Listens on a free loopback port and returns it.
    func start() async throws -> Int {
        let respond = self.respond
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler(respond: respond)) }
            }
        let listener = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = listener }
        return listener.localAddress!.port!
    }

    func stop() async {
        try? await channel.withLockedValue { $0 }?.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let respond: @Sendable (HTTPRequestHead, ByteBuffer) -> Response
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()

        init(respond: @escaping @Sendable (HTTPRequestHead, ByteBuffer) -> Response) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                let response = respond(head, body)
                var headers = HTTPHeaders(response.headers)
                headers.add(name: "Content-Length", value: String(response.body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))),
                              promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
