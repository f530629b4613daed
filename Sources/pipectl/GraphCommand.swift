import ArgumentParser
import Pipeline

/// `pipectl graph FILE [--format dot|mermaid]`: the pipeline's DAG.
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
