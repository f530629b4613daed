import NIOCore

/// What the peer's TCP stack acknowledged on a connection, read from Linux `TCP_INFO`.
enum DeliveryStreamTCPInfo {
    /// The start of the kernel's `struct tcp_info` up to `tcpi_bytes_acked` (at byte 120,
    /// Linux ≥ 4.1); the kernel fills what fits and older kernels leave it zero.
    private struct Prefix: @unchecked Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    }

    /// Stream bytes the peer acknowledged: `tcpi_bytes_acked` less the 1 its SYN counts for;
    /// nil where the channel has no TCP socket or the system has no such counter; fails when
    /// the socket cannot be asked (closed).
    static func bytesAcknowledged(_ channel: any Channel) -> EventLoopFuture<Int?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let info: EventLoopFuture<Prefix> = provider.unsafeGetSocketOption(level: .tcp, name: .tcp_info)
        return info.map { Optional(max(0, Int(truncatingIfNeeded: $0.words.15) - 1)) }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}
