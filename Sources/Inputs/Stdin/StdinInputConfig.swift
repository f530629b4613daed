#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// `stdin`: newline-delimited logs from standard input; the input ends at end of file.
///
/// - max_line_bytes (size, default 64KiB): longer lines are cut and counted (`errors{kind="truncated"}`).
public struct StdinInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "stdin", role: .input, produces: .fixed(.log)) {
        StdinInputConfig(reader: $0)
    }

    let maxLineBytes: Int

    init(reader: ConfigReader) {
        maxLineBytes = reader.size("max_line_bytes", default: 64 * 1024)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(FileDescriptorLineInput(fd: STDIN_FILENO, maxLineBytes: maxLineBytes))
    }
}
