import Pipeline

/// A transform that emits every batch unchanged.
public struct PassThroughTransform: TransformStage {
    public init() {}

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        output.emit(batch)
    }
}
