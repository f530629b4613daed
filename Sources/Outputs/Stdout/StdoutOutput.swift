import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// `stdout`: writes events to standard output as NDJSON (or bare messages).
///
/// - encoding (json|text, default json)
public struct StdoutOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "stdout", role: .output, accepts: .any, produces: .none) {
        StdoutOutputConfig(reader: $0)
    }

    let encoding: EventEncoder.Encoding

    init(reader: ConfigReader) {
        encoding = EventEncoder.Encoding(rawValue: reader.choice("encoding", ["json", "text"], default: "json")) ?? .json
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .output(StdoutOutput(encoder: EventEncoder(encoding: encoding)))
    }
}

struct StdoutOutput: OutputStage {
    let encoder: EventEncoder

    func run(_ context: OutputContext) async throws {
        try await LineWriterLoop.run(context, encoder: encoder, writer: FileDescriptorWriter(fd: STDOUT_FILENO, name: "stdout"))
    }
}
