import Glibc
import TapedeckSystem
import TapedeckBedrock

/// Remembers the key of recently seen request bodies, byte for byte, so a byte-identical repeat skips JSON
/// parsing, canonicalization and hashing altogether (for a request carrying a 10 MB image, a memcmp instead of
/// a parse and a SHA-256). Bounded by entries and by bytes: when either is full it starts over.
public final class RequestMemo: Sendable {
    private struct Entry: Hashable, Sendable {
        let model: String
        let body: [UInt8]
        /// A 64-bit mix of the length and the body's first and last 128 bytes, computed once in one pass: the
        /// dictionary hashes only it (Hasher over 256 bytes cost ~2,000 instructions a hit), and equality still
        /// compares every byte, so a remembered key is only ever given for a byte-identical body.
        let digest: UInt64

        init(model: String, body: [UInt8]) {
            self.model = model
            self.body = body
            digest = body.withUnsafeBytes(Self.digest)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(digest)
        }

        static func == (a: Entry, b: Entry) -> Bool {
            guard a.digest == b.digest, a.body.count == b.body.count, a.model == b.model else { return false }
            return a.body.withUnsafeBytes { x in
                b.body.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
            }
        }

        /// The length and up to 16 eight-byte words from each end, multiplied and rotated in (not cryptographic:
        /// it only spreads entries over the table).
        static func digest(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
            var h = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
            @inline(__always) func mix(_ word: UInt64) {
                h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
            }
            let count = bytes.count
            if count < 8 {
                var word: UInt64 = 0
                for (i, byte) in bytes.enumerated() { word |= UInt64(byte) << (8 * UInt64(i)) }
                mix(word)
                return h
            }
            let words = min(16, count / 8)
            for i in 0..<words { mix(bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
            for i in 1...words { mix(bytes.loadUnaligned(fromByteOffset: count - i * 8, as: UInt64.self)) }
            return h ^ (h >> 29)
        }
    }

    private let capacity: Int
    /// Bodies kept take at most this many bytes in all; a body over half of it is never kept.
    private let maxBytes: Int
    private let state = Mutex(State())

    private struct State: Sendable {
        var keys: [Entry: CacheKey] = [:]
        var bytes = 0
    }

    /// Creates a memo holding at most `capacity` bodies of `maxBytes` in all.
    public init(capacity: Int = 4096, maxBytes: Int = 48 * 1024 * 1024) {
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    /// The key remembered for `body` sent to `model`, if any.
    public func key(model: String, body: [UInt8]) -> CacheKey? {
        guard body.count * 2 <= maxBytes else { return nil }
        let entry = Entry(model: model, body: body)
        return state.withLock { $0.keys[entry] }
    }

    /// Remembers `key` as the key of `body` sent to `model`.
    public func remember(_ key: CacheKey, model: String, body: [UInt8]) {
        guard body.count * 2 <= maxBytes else { return }
        state.withLock { state in
            if state.keys.count >= capacity || state.bytes + body.count > maxBytes {
                state.keys.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if state.keys.updateValue(key, forKey: Entry(model: model, body: body)) == nil { state.bytes += body.count }
        }
    }
}
