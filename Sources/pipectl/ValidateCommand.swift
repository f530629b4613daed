import ArgumentParser
import Pipeline

/// `pipectl validate FILE`: every error of the file at once, or a one-line summary.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Checks a pipeline file and reports every error at once (exit 1 on any).")

    @Argument(help: "The pipeline file.") var file: String

    func run() throws {
        let config = try loadPipeline(file)
        print("ok: \(config.count(.input)) inputs, \(config.count(.transform)) transforms, \(config.count(.output)) outputs")
    }
}
