import NIOCore
import NIOHTTP1
import NIOPosix
@testable import Outputs
import XCTest

/// The HTTP transport keeps the start of an answer as bytes, says when it cut it, and
/// sends each request's own headers.
final class DeliveryHTTPTransportTests: XCTestCase {
    /// Answers every request 200 with `X-Body-Bytes` bytes of `x`, echoing `X-Attempt`.
    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let size = Int(head.headers.first(name: "X-Body-Bytes") ?? "0") ?? 0
            var headers: HTTPHeaders = ["Content-Length": String(size)]
            if let attempt = head.headers.first(name: "X-Attempt") { headers.add(name: "X-Attempt", value: attempt) }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(repeating: UInt8(ascii: "x"), count: size)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func testKeepsTheStartOfTheBodyAsBytesAndSaysWhenItWasCut() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Answerer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let url = "http://127.0.0.1:\(server.localAddress!.port!)/bulk"
        let transport = DeliveryHTTPTransport(options: DeliveryHTTPOptions(url: url), tls: nil, protocolHeaders: [],
                                              requestTimeout: .seconds(10), maxResponseBody: 1000)
        func post(_ bytes: Int) async throws -> DeliveryHTTPResponse {
            let request = DeliveryHTTPRequest(body: ByteBuffer(string: "{}"), headers: [("X-Body-Bytes", String(bytes)), ("X-Attempt", "2")])
            guard case .response(let response) = await transport.send(request) else { throw XCTSkip("no answer") }
            return response
        }
        let whole = try await post(1000)
        let cut = try await post(100_000)
        await transport.shutdown()
        try await server.close()
        XCTAssertEqual(whole.body.readableBytes, 1000)
        XCTAssertFalse(whole.truncated)
        XCTAssertEqual(whole.headers.first(name: "X-Attempt"), "2", "the request's own headers were sent")
        XCTAssertEqual(cut.body.readableBytes, 1000, "bounded")
        XCTAssertTrue(cut.truncated, "a JSON answer cut short must not be parsed as whole")
        XCTAssertEqual(DeliveryHTTPTransport.defaultMaxResponseBody, 4096)
    }
}
