/// SHA-256 (FIPS 180-4), streaming: whole blocks are compressed straight from the caller's buffer.
public struct SHA256: Sendable {
    var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    )  // FIPS 180-4 §5.3.3: initial hash value H(0)
    /// Bytes of an incomplete block carried over between updates (64 bytes).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private var totalBytes: UInt64 = 0

    /// Starts a new digest.
    public init() {}

    /// Feeds `bytes` into the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var input = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)
        if pendingCount > 0 {
            let take = min(64 - pendingCount, remaining)
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.advanced(by: pendingCount).copyMemory(from: input, byteCount: take)
            }
            pendingCount += take
            input += take
            remaining -= take
            guard pendingCount == 64 else { return }
            var block = pending
            withUnsafeBytes(of: &block) { compress($0.baseAddress!, blocks: 1) }
            pendingCount = 0
        }
        let wholeBlocks = remaining / 64
        if wholeBlocks > 0 {
            compress(input, blocks: wholeBlocks)
            input += wholeBlocks * 64
            remaining -= wholeBlocks * 64
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: input, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// Feeds the bytes of an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 of a string.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Pads, processes the last block(s) and returns the 32-byte digest.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = totalBytes &* 8
        // FIPS 180-4 §5.1.1: append 0x80, zeros to 56 mod 64, then the 64-bit big-endian bit length.
        var padding: [UInt8] = [0x80]
        let zeros = (55 - pendingCount + 64) % 64
        padding.append(contentsOf: repeatElement(0, count: zeros))
        withUnsafeBytes(of: bitLength.bigEndian) { padding.append(contentsOf: $0) }
        copy.update(padding)
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        withUnsafeBytes(of: copy.state) { words in
            for index in 0..<8 {
                let word = words.load(fromByteOffset: index * 4, as: UInt32.self)
                withUnsafeBytes(of: word.bigEndian) { digest.append(contentsOf: $0) }
            }
        }
        return digest
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lowercase hexadecimal of a digest.
    public static func hex(_ digest: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(HexDigits.lowerASCII[Int(byte >> 4)])
            out.append(HexDigits.lowerASCII[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
