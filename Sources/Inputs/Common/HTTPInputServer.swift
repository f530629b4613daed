import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Pipeline

/// What the HTTP inputs (`heroku_drain`, `opentelemetry`) share to serve: a bootstrap on the
/// input's own event loops (TLS when configured, NIO's HTTP/1.1 server pipeline, idle
/// connections closed, one request handler per connection with its loop's lane), and binding
/// with an error that names the option.
enum HTTPInputServer {
    /// A bootstrap whose connections get `handler(lane)`, `lane` being their loop's.
    static func bootstrap(loops: InputEventLoops, tls: NIOSSLContext?, idleTimeout: Duration,
                          handler: @escaping @Sendable (InputLane) -> any ChannelHandler) -> ServerBootstrap {
        let idle = TimeAmount.nanoseconds(idleTimeout.nanoseconds)
        return ServerBootstrap(group: loops.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(IdleStateHandler(allTimeout: idle))
                    try sync.addHandler(handler(loops.lane(for: channel.eventLoop)))
                }
            }
    }

    /// Binds `bootstrap` to `host:port`; a failure says which `option` could not listen.
    static func bind(_ bootstrap: ServerBootstrap, host: String, port: Int, option: String = "listen") async throws -> any Channel {
        do {
            return try await bootstrap.bind(host: host, port: port).get()
        } catch let error as IOError {
            throw PipectlError("\(option): cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)))")
        }
    }
}
