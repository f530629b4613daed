import Codecs
import Pipeline

/// Where an event goes: its `group_name` and `stream_name` rendered from its fields, and
/// the 64-bit hash of both that keys shards and streams.
///
/// With constant templates (no `{{field}}`) nothing is rendered per event. Otherwise both
/// names are rendered into one reused scratch array (no allocation once it has grown) and
/// hashed; a 64-bit hash stands for the pair, so two pairs colliding (about 1 in 2^64 per
/// pair of streams) would share a request, under the first pair's names.
struct CloudWatchLogsStreamKey {
    let group: FieldTemplate
    let stream: FieldTemplate
    /// The key of every event when neither template reads a field.
    private let constant: UInt64?
    private var scratch: [UInt8] = []

    init(group: FieldTemplate, stream: FieldTemplate) {
        self.group = group
        self.stream = stream
        if let g = group.constant, let s = stream.constant {
            constant = Self.hash(Array(g.utf8) + [0] + Array(s.utf8))
        } else {
            constant = nil
        }
    }

    /// The key of event `i` of `batch`; `emptyName` when a name renders empty (CloudWatch
    /// names have at least one character).
    mutating func key(_ batch: LogBatch, _ i: Int) -> (key: UInt64, emptyName: Bool) {
        if let constant { return (constant, false) }
        scratch.removeAll(keepingCapacity: true)
        group.render(batch, i, into: &scratch)
        let groupEnd = scratch.count
        scratch.append(0)  // no name holds a NUL: `a`+`bc` and `ab`+`c` differ
        stream.render(batch, i, into: &scratch)
        return (Self.hash(scratch), groupEnd == 0 || scratch.count == groupEnd + 1)
    }

    /// The group and stream names of event `i` of `batch`.
    func names(_ batch: LogBatch, _ i: Int) -> (group: [UInt8], stream: [UInt8]) {
        var g: [UInt8] = [], s: [UInt8] = []
        group.render(batch, i, into: &g)
        stream.render(batch, i, into: &s)
        return (g, s)
    }

    private static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { ByteHash.hash($0, seed: 0) }
    }
}
