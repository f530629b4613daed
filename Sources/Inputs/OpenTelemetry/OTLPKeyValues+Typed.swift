import Codecs

extension OTLPKeyValues {
    /// `forEach` for a body that throws only `ProtobufReader.Malformed`, so the decoders keep
    /// their typed errors (the walk itself throws nothing else).
    func forEachEntry(_ body: (_ key: UnsafeRawBufferPointer, _ value: OTLPAnyValue) throws(ProtobufReader.Malformed) -> Void)
        throws(ProtobufReader.Malformed) {
        do {
            try forEach { key, value in try body(key, value) }
        } catch {
            throw error as! ProtobufReader.Malformed
        }
    }
}
