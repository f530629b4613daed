import NIOCore
import NIOPosix

/// One burst of datagrams: the frames of one payload, each sent as a datagram of its own.
package struct DeliveryDatagramWrite: Sendable {
    /// The datagrams back to back.
    package var bytes: ByteBuffer
    /// The end of each datagram in `bytes` (relative to its reader index).
    package var ends: [Int]

    package init(bytes: ByteBuffer, ends: [Int]) {
        self.bytes = bytes
        self.ends = ends
    }
}

/// Which datagrams of a burst the socket refused, and why (the first reason).
package struct DeliveryDatagramReceipt: Sendable {
    /// Indices of the datagrams not sent, ascending.
    package var failed: [Int] = []
    package var failure: String?
}

/// Sends datagrams on a connected UDP socket (syslog over UDP, RFC 5426): at most once.
///
/// Nothing confirms a datagram: one the kernel took may still be lost on the way, and one it
/// refused (`ECONNREFUSED` reported after an ICMP port unreachable, `ENOBUFS`) is reported
/// in the receipt, never sent again by the transport. `.failure` only when the socket cannot
/// be opened, so a retry sends nothing twice.
package final class DeliveryDatagramTransport: DeliveryTransport {
    package typealias Request = DeliveryDatagramWrite
    package typealias Response = DeliveryDatagramReceipt

    /// `udp://host:port`.
    package let endpoint: String
    private let host: String
    private let port: Int
    private let loop: any EventLoop
    private let channel: NIOLoopBoundBox<(any Channel)?>

    package init(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.port = port
        endpoint = "udp://\(host):\(port)"
        loop = group.next()
        channel = .makeEmptyBox(eventLoop: loop)
    }

    package func send(_ write: DeliveryDatagramWrite) async -> DeliveryResult<DeliveryDatagramReceipt> {
        do {
            return .response(try await loop.flatSubmit { self.sendOnLoop(write) }.get())
        } catch {
            return .failure(DeliveryStreamTransport.describe(error))
        }
    }

    package func shutdown() async {
        try? await loop.flatSubmit { () -> EventLoopFuture<Void> in
            let channel = self.channel.value
            self.channel.value = nil
            return channel?.close() ?? self.loop.makeSucceededVoidFuture()
        }.get()
    }

    private func sendOnLoop(_ write: DeliveryDatagramWrite) -> EventLoopFuture<DeliveryDatagramReceipt> {
        connection().flatMap { channel in
            var start = 0
            var sent: [EventLoopFuture<Void>] = []
            sent.reserveCapacity(write.ends.count)
            for end in write.ends {
                let datagram = write.bytes.getSlice(at: write.bytes.readerIndex + start, length: end - start)!
                sent.append(channel.write(datagram))
                start = end
            }
            channel.flush()
            return EventLoopFuture.whenAllComplete(sent, on: self.loop).map { results in
                var receipt = DeliveryDatagramReceipt()
                for (k, result) in results.enumerated() {
                    guard case .failure(let error) = result else { continue }
                    receipt.failed.append(k)
                    if receipt.failure == nil { receipt.failure = DeliveryStreamTransport.describe(error) }
                }
                if !channel.isActive, self.channel.value === channel { self.channel.value = nil }
                return receipt
            }
        }
    }

    private func connection() -> EventLoopFuture<any Channel> {
        if let channel = channel.value, channel.isActive { return loop.makeSucceededFuture(channel) }
        return DatagramBootstrap(group: loop)
            // Nothing is read: a socket error (ECONNREFUSED after an ICMP port unreachable) then
            // stays for the next send, which fails and reports it, rather than for a read.
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramErrorSink()) }
            }
            .connect(host: host, port: port).map { channel in
                self.channel.value = channel
                return channel
            }
    }

    /// Ends the pipeline for datagram errors, which the failed writes already report.
    private final class DatagramErrorSink: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
        func errorCaught(context: ChannelHandlerContext, error: any Error) {}
    }
}
