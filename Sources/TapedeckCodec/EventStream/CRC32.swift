/// The zlib/gzip CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), computed eight bytes at a time.
///
/// Event-stream framing checksums its prelude and each whole message with it (AWS event-stream encoding).
public enum CRC32 {
    /// The reflected generator polynomial of CRC-32 (ISO 3309, ITU-T V.42).
    public static let polynomial: UInt32 = 0xEDB8_8320

    /// Slicing-by-8 tables, built once: entry `k * 256 + b` is the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = makeTables()

    /// The CRC-32 of `bytes`; pass an earlier result as `seed` to continue it, as zlib's `crc32(crc, buf, len)` does.
    ///
    /// `checksum(b, seed: checksum(a))` equals the checksum of `a` followed by `b`; the seed 0 starts afresh.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        // The register starts at all ones and the result is inverted (zlib crc32, "pre and post conditioning").
        let count = bytes.count
        guard count > 0 else { return seed }
        var crc = ~seed
        tables.withUnsafeBufferPointer { table in
            var index = 0
            while count - index >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = table[7 * 256 + Int(low & 0xFF)]
                    ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)]
                    ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)]
                    ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)]
                    ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        return ~crc
    }

    /// The CRC-32 of the bytes of an array, optionally continuing from `seed`.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// The CRC-32 of a slice of bytes, optionally continuing from `seed`.
    public static func checksum(_ bytes: ArraySlice<UInt8>, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// Builds the eight 256-entry tables: table 0 is the classic byte-at-a-time table, table k shifts k zero bytes.
    private static func makeTables() -> [UInt32] {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1
            }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }
}
