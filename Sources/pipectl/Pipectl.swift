import ArgumentParser
import Foundation
import Pipeline

/// The `pipectl` command line.
@main
struct Pipectl: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pipectl",
        abstract: "Runs log and metrics pipelines declared in YAML.",
        version: "pipectl \(version)",
        subcommands: [RunCommand.self, ValidateCommand.self, TestCommand.self, GraphCommand.self, TopCommand.self, TapCommand.self,
                      VersionCommand.self])

    /// Runs the command; usage errors exit 2 (SPEC §2), config and runtime errors 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Loads a pipeline file and prints its diagnostics; exits 1 when it has errors.
func loadPipeline(_ path: String) throws -> PipelineConfig {
    let outcome = ConfigLoader.load(path: path, registry: Components.registry)
    Redactor.register(outcome.secrets)
    for d in outcome.diagnostics { printError(d.description) }
    guard let config = outcome.config else {
        let n = outcome.errors.count
        if n > 1 { printError("\(n) errors in \(path)") }
        throw ExitCode(1)
    }
    return config
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
