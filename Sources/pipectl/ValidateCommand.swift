import ArgumentParser
import Pipeline

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

struct GraphCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, mermaid }

    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Prints the pipeline's DAG.")

    @Argument(help: "The pipeline file.") var file: String
    @Option(help: "dot or mermaid.") var format: Format = .dot

    func run() throws {
        let config = try loadPipeline(file)
        print(format == .dot ? GraphRenderer.dot(config) : GraphRenderer.mermaid(config), terminator: "")
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Prints version and build information.")

    func run() {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        #if os(Linux)
        let platform = "linux"
        #else
        let platform = "darwin"
        #endif
        print("pipectl \(Pipectl.version) (\(build), \(platform)-x86_64, swift 6)")
    }
}
