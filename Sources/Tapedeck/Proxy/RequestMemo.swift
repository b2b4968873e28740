import Glibc

/// Remembers the key of recently seen request bodies, byte for byte, so a byte-identical repeat skips JSON
/// parsing, canonicalization and hashing altogether. Bounded: when full it starts over.
public final class RequestMemo: Sendable {
    private struct Entry: Hashable, Sendable {
        let model: String
        let body: [UInt8]

        // [UInt8]'s own Hashable feeds the hasher a byte at a time; hashing the length and both ends in one block
        // each is enough to spread entries, and equality still compares every byte.
        func hash(into hasher: inout Hasher) {
            hasher.combine(model)
            hasher.combine(body.count)
            body.withUnsafeBytes { bytes in
                let edge = min(128, bytes.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<edge]))
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - edge)...]))
            }
        }

        static func == (a: Entry, b: Entry) -> Bool {
            guard a.body.count == b.body.count, a.model == b.model else { return false }
            return a.body.withUnsafeBytes { x in
                b.body.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
            }
        }
    }

    /// Bodies larger than this are not remembered (big images are hashed each time rather than kept twice).
    public static let maxBodyBytes = 256 * 1024
    private let capacity: Int
    private let keys = Mutex([Entry: CacheKey]())

    /// Creates a memo holding at most `capacity` bodies.
    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The key remembered for `body` sent to `model`, if any.
    public func key(model: String, body: [UInt8]) -> CacheKey? {
        guard body.count <= Self.maxBodyBytes else { return nil }
        let entry = Entry(model: model, body: body)
        return keys.withLock { $0[entry] }
    }

    /// Remembers `key` as the key of `body` sent to `model`.
    public func remember(_ key: CacheKey, model: String, body: [UInt8]) {
        guard body.count <= Self.maxBodyBytes else { return }
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
            keys[Entry(model: model, body: body)] = key
        }
    }
}
