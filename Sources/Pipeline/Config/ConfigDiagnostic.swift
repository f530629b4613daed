/// One problem found in a pipeline file, printed as `FILE:LINE:COL: key.path: message`.
public struct ConfigDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted path of the key (`outputs.loki.batch.max_bytes`); empty for the whole file.
    public var path: String
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, column: Int, path: String, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        let location = path.isEmpty ? "" : "\(path): "
        return "\(file):\(line):\(column): \(prefix)\(location)\(message)"
    }
}

/// Collects every problem of one load, so validation reports them all at once.
public final class ConfigDiagnostics: @unchecked Sendable {
    /// The file being read, as the user named it.
    public let file: String
    /// Maps positions in the interpolated text back to the file as written.
    let sourceMap: SourceMap
    /// Everything found so far, in order.
    public internal(set) var all: [ConfigDiagnostic] = []

    init(file: String, sourceMap: SourceMap) {
        self.file = file
        self.sourceMap = sourceMap
    }

    /// The errors (not warnings) found so far.
    public var errors: [ConfigDiagnostic] { all.filter { $0.severity == .error } }
    /// The warnings found so far.
    public var warnings: [ConfigDiagnostic] { all.filter { $0.severity == .warning } }

    /// Records a problem at a position of the interpolated text (1-based line and column).
    func report(line: Int, column: Int, path: String, _ message: String, severity: ConfigDiagnostic.Severity = .error) {
        let original = sourceMap.original(line: line, column: column)
        let text = sourceMap.redact(message)
        all.append(ConfigDiagnostic(file: file, line: original.line, column: original.column, path: path,
                                    message: text, severity: severity))
    }
}
