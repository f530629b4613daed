import Foundation
import NIOConcurrencyHelpers
import Pipeline

/// `file`: appends events to a file, one line each.
///
/// - path (string, required): the file; its folder is created if missing.
/// - encoding (json|text, default json): NDJSON objects, or the message alone.
public struct FileOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "file", role: .output, accepts: .any, produces: .none) {
        FileOutputConfig(reader: $0)
    }

    let path: String
    let encoding: EventEncoder.Encoding

    init(reader: ConfigReader) {
        path = reader.string("path", required: true) ?? ""
        encoding = EventEncoder.Encoding(rawValue: reader.choice("encoding", ["json", "text"], default: "json")) ?? .json
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .output(FileOutput(path: path, encoder: EventEncoder(encoding: encoding)))
    }
}

/// Appends encoded batches to a file opened at `prepare()`.
final class FileOutput: OutputStage {
    let path: String
    let encoder: EventEncoder
    private let fd = NIOLockedValueBox<Int32>(-1)

    init(path: String, encoder: EventEncoder) {
        self.path = path
        self.encoder = encoder
    }

    func prepare() async throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw OutputError("cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
        fd.withLockedValue { $0 = opened }
    }

    func run(_ context: OutputContext) async throws {
        let descriptor = fd.withLockedValue { $0 }
        defer { close(descriptor) }
        try await LineWriterLoop.run(context, encoder: encoder, writer: FileDescriptorWriter(fd: descriptor, name: path))
    }
}
