/// Questions about the eight bytes of a 64-bit word at once (SWAR), for scanners that take plain text eight bytes
/// at a time and fall back to a byte at a time where a word holds anything else.
///
/// Each answer is exact as a yes or no: the borrow trick below can mark a byte above a true match, never one
/// without a true match somewhere.
public enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Loads eight bytes from `bytes` at `offset` (any alignment).
    @inline(__always)
    public static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// Whether any byte of `word` is 0x80 or above.
    @inline(__always)
    public static func hasNonASCII(_ word: UInt64) -> Bool { word & highs != 0 }

    /// Whether any byte of `word` is `byte`.
    @inline(__always)
    public static func has(_ word: UInt64, byte: UInt8) -> Bool {
        // A byte of `v` is zero exactly when (v - 1) borrows into its high bit while v's own high bit is clear.
        let v = word ^ (ones &* UInt64(byte))
        return (v &- ones) & ~v & highs != 0
    }

    /// Whether any byte of `word` is below `limit` (at most 0x80); for words without non-ASCII bytes.
    @inline(__always)
    public static func hasASCII(_ word: UInt64, below limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }
}
