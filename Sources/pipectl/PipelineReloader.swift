import Logging
import Pipeline

/// Re-reads the pipeline file and applies it to the running topology (SIGHUP and
/// `POST /v1/reload`): an invalid file is refused with every error logged as
/// `FILE:LINE:COL`, and the running pipeline is left as it was.
struct PipelineReloader: Sendable {
    let file: String
    let topology: Topology
    let logger: Logger

    func reload() async -> ReloadReport {
        logger.info("reloading \(file)")
        let outcome = ConfigLoader.load(path: file, registry: Components.registry)
        Redactor.register(outcome.secrets)
        for warning in outcome.warnings { logger.warning("reload: \(warning.description)") }
        guard let config = outcome.config else {
            let errors = outcome.errors.map(\.description)
            for error in errors { logger.error("reload refused: \(error)") }
            logger.error("reload refused: \(errors.count) error(s) in \(file); the running pipeline is unchanged")
            return ReloadReport(outcome: .refused, errors: errors)
        }
        let report = await topology.reload(to: config)
        switch report.outcome {
        case .applied, .unchanged:
            logger.info("\(report.summary)")
        case .refused:
            for error in report.errors { logger.error("reload refused: \(error)") }
        case .failed:
            logger.error("\(report.summary): \(report.errors.joined(separator: "; "))")
        }
        return report
    }
}
