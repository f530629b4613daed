import Codecs
import NIOCore

/// A request made before a payload can go: creating its missing log group or stream
/// (`create_missing_group`, `create_missing_stream`).
package enum CloudWatchLogsSideRequest: Sendable, Equatable, CustomStringConvertible {
    case createLogGroup(group: [UInt8])
    case createLogStream(group: [UInt8], stream: [UInt8])

    /// The `X-Amz-Target` action.
    var action: String {
        switch self {
        case .createLogGroup: "CreateLogGroup"
        case .createLogStream: "CreateLogStream"
        }
    }

    /// `{"logGroupName":"…"}` or `{"logGroupName":"…","logStreamName":"…"}`.
    var body: ByteBuffer {
        var body = ByteBuffer()
        body.writeStaticString("{\"logGroupName\":")
        switch self {
        case .createLogGroup(let group):
            group.withUnsafeBytes { JSONWriter.writeString($0, into: &body) }
        case .createLogStream(let group, let stream):
            group.withUnsafeBytes { JSONWriter.writeString($0, into: &body) }
            body.writeStaticString(",\"logStreamName\":")
            stream.withUnsafeBytes { JSONWriter.writeString($0, into: &body) }
        }
        body.writeStaticString("}")
        return body
    }

    package var description: String {
        switch self {
        case .createLogGroup(let group): "CreateLogGroup \(String(decoding: group, as: UTF8.self))"
        case .createLogStream(let group, let stream):
            "CreateLogStream \(String(decoding: group, as: UTF8.self)) / \(String(decoding: stream, as: UTF8.self))"
        }
    }
}
