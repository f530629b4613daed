import Pipeline

/// A `ComponentConfig` whose stage is made by a closure, so tests decide what runs.
public struct TestStageConfig: ComponentConfig {
    /// Named output ports besides the default one.
    public let ports: [String]
    private let make: @Sendable (StageContext) throws -> Stage

    public init(ports: [String] = [], make: @escaping @Sendable (StageContext) throws -> Stage) {
        self.ports = ports
        self.make = make
    }

    public func makeStage(_ context: StageContext) throws -> Stage { try make(context) }
}
