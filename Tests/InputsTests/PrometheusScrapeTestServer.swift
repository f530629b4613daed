import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import XCTest

/// A loopback HTTP server (HTTPS with `tls`) serving fixed exposition pages by path, optionally
/// gzipped or slow, and recording each request's headers.
final class PrometheusScrapeTestServer: Sendable {
    struct Page: Sendable {
        var status: HTTPResponseStatus = .ok
        var contentType = "text/plain; version=0.0.4; charset=utf-8"
        var body: [UInt8]
        var gzip = false
        /// Wait this long after the response head before the body.
        var delay: TimeAmount?

        init(_ text: String, contentType: String = "text/plain; version=0.0.4; charset=utf-8", gzip: Bool = false,
             delay: TimeAmount? = nil, status: HTTPResponseStatus = .ok) {
            body = gzip ? Self.gzipped(Array(text.utf8)) : Array(text.utf8)
            self.contentType = contentType
            self.gzip = gzip
            self.delay = delay
            self.status = status
        }

        private static func gzipped(_ bytes: [UInt8]) -> [UInt8] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/gzip")
            process.arguments = ["-c"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try! process.run()
            input.fileHandleForWriting.write(Data(bytes))
            try! input.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Array(data)
        }
    }

    private let state = NIOLockedValueBox<(pages: [String: Page], requests: [HTTPHeaders])>(([:], []))
    private let channel: any Channel
    var port: Int { channel.localAddress!.port! }
    /// The headers of the requests so far.
    var requests: [HTTPHeaders] { state.withLockedValue { $0.requests } }

    init(tls: TLSConfiguration? = nil) async throws {
        let state = self.state
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                }.flatMap {
                    channel.pipeline.configureHTTPServerPipeline()
                }.flatMap {
                    channel.pipeline.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Serves `page` at `path` from now on.
    func set(_ path: String, _ page: Page) { state.withLockedValue { $0.pages[path] = page } }

    func stop() async { try? await channel.close() }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<(pages: [String: Page], requests: [HTTPHeaders])>

        init(state: NIOLockedValueBox<(pages: [String: Page], requests: [HTTPHeaders])>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let page = state.withLockedValue { state in
                state.requests.append(head.headers)
                return state.pages[head.uri] ?? Page("not found\n", status: .notFound)
            }
            var headers = HTTPHeaders([("Content-Type", page.contentType), ("Content-Length", "\(page.body.count)")])
            if page.gzip { headers.add(name: "Content-Encoding", value: "gzip") }
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: page.status,
                                                                         headers: headers))), promise: nil)
            let body = context.channel.allocator.buffer(bytes: page.body)
            let send = { [context] in
                context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
            if let delay = page.delay {
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) { send() }
            } else {
                send()
            }
        }
    }
}

/// A test case with a `PrometheusScrapeTestServer` started before each test and stopped after.
class PrometheusScrapeServerTestCase: XCTestCase {
    var server: PrometheusScrapeTestServer!

    override func setUp() async throws {
        server = try await PrometheusScrapeTestServer()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    /// The server's `host:port`, as a target.
    var address: String { "127.0.0.1:\(server.port)" }
}
