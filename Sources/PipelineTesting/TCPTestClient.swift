#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection to 127.0.0.1 that stays open across sends (a long-lived syslog or drain
/// client), until `close()`.
public final class TCPTestClient: @unchecked Sendable {
    private var fd: Int32

    /// Connects to 127.0.0.1:`port`; sends and receives time out after `timeoutSeconds`. A small
    /// `receiveBufferBytes` makes a client that stops reading hold the server up sooner.
    public init(port: Int, timeoutSeconds: Int = 10, receiveBufferBytes: Int? = nil) throws {
        fd = try HTTPTestClient.connect(port: port, timeoutSeconds: timeoutSeconds, receiveBufferBytes: receiveBufferBytes)
    }

    /// Writes all of `text`; throws when the connection is gone.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Writes all of `bytes`; throws when the connection is gone.
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPTestClient.Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads what has arrived into `buffer` (waiting up to the timeout); the byte count, 0 at
    /// the end of the stream, or -1 on a timeout or error.
    public func receive(into buffer: inout [UInt8]) -> Int {
        buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Closes the connection.
    public func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
