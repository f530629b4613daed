#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An estimate of how many distinct values a label took: a HyperLogLog of 64 one-byte
/// registers (Flajolet et al. 2007; about 13% standard error, linear counting while small).
struct CardinalityDistinctCount: Sendable {
    private var registers = [UInt8](repeating: 0, count: 64)

    /// Counts the value whose (well mixed) hash is `hash`.
    mutating func add(_ hash: UInt64) {
        let r = Int(hash >> 58)
        let rank = UInt8((hash << 6 | 1 << 5).leadingZeroBitCount + 1)
        registers[r] = max(registers[r], rank)
    }

    /// The estimated number of distinct values added.
    var estimate: Int {
        let m = Double(registers.count)
        let zeros = registers.filter { $0 == 0 }.count
        let raw = 0.709 / (1 + 1.079 / m) * m * m / registers.reduce(0.0) { $0 + pow(2, -Double($1)) }
        if raw <= 2.5 * m, zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
        return Int(raw.rounded())
    }
}
