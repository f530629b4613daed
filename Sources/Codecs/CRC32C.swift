/// CRC-32C (Castagnoli), the checksum of iSCSI (RFC 3720 §12.1, check values in appendix B.4),
/// ext4 and SCTP, computed slicing-by-8: eight 256-entry tables, eight bytes per step.
///
/// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. The running value
/// is kept finalised, so checksums chain: `CRC32C(a)` updated with `b` equals `CRC32C(a + b)`.
///
///     var crc = CRC32C()
///     crc.update(header)
///     crc.update(payload)
///     crc.value                  // == CRC32C.checksum(header + payload)
package struct CRC32C: Sendable {
    /// The checksum of everything passed to `update` so far.
    package private(set) var value: UInt32 = 0

    /// The checksum of no bytes (0).
    package init() {}

    /// The checksum of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// Adds `bytes` to the checksum.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the checksum.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = ~value
        var index = 0
        let count = bytes.count
        Self.table.withUnsafeBufferPointer { t in
            while count - index >= 8 {
                let low = crc ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
                let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        value = ~crc
    }

    /// `table[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes (slicing-by-8, Intel 2006).
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()
}
