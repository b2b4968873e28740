/// Data-derived ways to cut an input into pieces, so incremental decoders see every boundary a socket could make.
///
/// The cuts come from a hash of the input, so the same input is always cut the same way (a crash reproduces)
/// while libFuzzer's mutations move the cuts around.
enum Splits {
    /// The input whole, cut once, cut into irregular pieces, and (when short) byte by byte.
    static func of(_ bytes: [UInt8]) -> [[Range<Int>]] {
        let count = bytes.count
        var hash = fnv1a(bytes)
        var plans: [[Range<Int>]] = [[0..<count]]
        let cut = Int(hash % UInt64(count + 1))
        plans.append([0..<cut, cut..<count])
        var pieces: [Range<Int>] = []
        var start = 0
        while start < count {
            hash = xorshift(hash)
            // Mostly small pieces, now and then a large one, as reads from a socket come.
            let limit = hash & 7 == 0 ? 512 : 17
            let length = 1 + Int((hash >> 8) % UInt64(limit))
            pieces.append(start..<min(count, start + length))
            start += length
        }
        plans.append(pieces)
        if count <= 1024 { plans.append((0..<count).map { $0..<($0 + 1) }) }
        return plans
    }

    /// FNV-1a, 64-bit.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// One step of xorshift64 (never reaches zero from a non-zero state).
    static func xorshift(_ state: UInt64) -> UInt64 {
        var x = state == 0 ? 0x9E37_79B9_7F4A_7C15 : state
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        return x
    }
}
