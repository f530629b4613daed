import ArgumentParser
import Pipeline

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Runs the unit tests declared under tests: in a pipeline file, without opening sockets.")

    @Argument(help: "The pipeline file.") var file: String

    func run() throws {
        let config = try loadPipeline(file)
        let runner = PipelineTestRunner(config: config)
        var failed = 0
        for test in config.tests {
            let failures = runner.run(test)
            if failures.isEmpty {
                print("PASS \(test.name)")
            } else {
                failed += 1
                print("FAIL \(test.name)")
                for f in failures { print("     \(f)") }
            }
        }
        print("\(config.tests.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
