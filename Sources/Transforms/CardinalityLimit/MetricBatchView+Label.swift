import Codecs
import Pipeline

extension MetricBatchView {
    /// The label of sample `i` named `name`, if it has one.
    func label(_ name: [UInt8], of i: Int) -> LabelRecord? {
        name.withUnsafeBytes { wanted in
            labels(of: i).first { ByteOrder.equal(bytes($0.name), wanted) }
        }
    }
}
