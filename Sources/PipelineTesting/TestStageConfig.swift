import Pipeline

/// A `ComponentConfig` whose stage is made by a closure, so tests decide what runs.
public struct TestStageConfig: ComponentConfig {
    /// Named output ports besides the default one.
    public let ports: [String]
    /// Producer lanes of the stage (those of the wrapped config, when recording one).
    public let producerLanes: Int
    private let make: @Sendable (StageContext) throws -> Stage

    public init(ports: [String] = [], producerLanes: Int = 1, make: @escaping @Sendable (StageContext) throws -> Stage) {
        self.ports = ports
        self.producerLanes = producerLanes
        self.make = make
    }

    public func makeStage(_ context: StageContext) throws -> Stage { try make(context) }
}
