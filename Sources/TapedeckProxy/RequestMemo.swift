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
