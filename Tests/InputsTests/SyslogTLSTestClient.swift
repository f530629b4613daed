import NIOCore
import NIOPosix
import NIOSSL
import Pipeline

/// A NIOSSL client connection to 127.0.0.1 for the syslog TLS tests.
final class SyslogTLSTestClient: Sendable {
    private let channel: any Channel

    /// Client settings trusting `ca` for a server named `localhost`, presenting `cert` and `key` when given.
    static func configuration(ca: String, cert: String? = nil, key: String? = nil) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        if let cert, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        return tls
    }

    /// Connects; the handshake runs with the first write.
    init(port: Int, _ configuration: TLSConfiguration) async throws {
        let context = try NIOSSLContext(configuration: configuration)
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Writes `bytes`; throws when the handshake failed or the connection is closed.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Queues `bytes` without waiting; the future completes once the socket took them all.
    func write(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// False while more is queued than the socket takes (the receiver does not read).
    var isWritable: Bool { channel.isWritable }

    /// Sends TLS close_notify and closes.
    func close() async {
        try? await channel.close()
    }

    /// Connects, writes `bytes` and closes.
    static func send(port: Int, _ configuration: TLSConfiguration, _ bytes: [UInt8]) async throws {
        let client = try await SyslogTLSTestClient(port: port, configuration)
        do {
            try await client.send(bytes)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
