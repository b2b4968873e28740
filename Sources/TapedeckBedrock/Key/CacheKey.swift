import TapedeckCodec
/// The identity of a recorded answer: SHA-256 over a versioned, canonical form of model id and request body.
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// The digest as 64 lowercase hexadecimal characters.
    public let hex: String

    /// Format version, hashed first so a change of derivation can never collide with old keys.
    public static let versionTag = "tapedeck-key-v1\n"

    /// Format version of the keys of every operation but Converse (`KeyedRequest.key`).
    public static let versionTagV2 = "tapedeck-key-v2\n"

    /// Top-level members that never change the answer and so never enter the key.
    public static let alwaysIgnored = ["requestMetadata"]

    /// The first 16 hex digits as a number: a SHA-256 prefix is uniformly spread, so hashing these 8 bytes is as
    /// good as hashing all 64 characters, at an eighth of the cost (keys are hashed several times per hit: the
    /// rendered-answer cache, the served set, the usage counts).
    private let hashPrefix: UInt64

    private init(uncheckedHex: String) {
        hex = uncheckedHex
        hashPrefix = Self.prefixNumber(uncheckedHex)
    }

    /// The key whose digest is `digest` (32 bytes of SHA-256).
    init(digest: [UInt8]) {
        self.init(uncheckedHex: SHA256.hex(digest))
    }

    public static func == (lhs: CacheKey, rhs: CacheKey) -> Bool { lhs.hex == rhs.hex }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashPrefix) }

    private static func prefixNumber(_ hex: String) -> UInt64 {
        var number: UInt64 = 0
        for byte in hex.utf8.prefix(16) {
            number = number << 4 | UInt64(byte <= UInt8(ascii: "9") ? byte &- UInt8(ascii: "0") : byte &- UInt8(ascii: "a") &+ 10)
        }
        return number
    }

    /// Accepts exactly 64 lowercase hexadecimal characters.
    public init?(hex: String) {
        let valid = hex.utf8.count == 64 && hex.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        guard valid else { return nil }
        self.init(uncheckedHex: hex)
    }

    /// The first 12 hex characters, for logs and file names.
    public var prefix: String { String(hex.prefix(12)) }

    public var description: String { hex }

    /// Derives the key of a Converse request.
    ///
    /// Hashes `tapedeck-key-v1\n`, the decoded `modelId`, `\n`, then the RFC 8785 canonical JSON of `body`
    /// with top-level `requestMetadata` and every dotted path in `ignoring` removed. Canonical JSON makes
    /// key order, whitespace, escapes and number spellings (`0.7`, `0.70`, `7e-1`) irrelevant.
    public static func derive(modelId: String, body: JSONValue, ignoring: [String] = []) throws(JSONError) -> CacheKey {
        var keyed = body
        // PROTOCOL.md: requestMetadata only tags invocation logs, so it cannot change the answer.
        for path in alwaysIgnored + ignoring {
            keyed = keyed.removing(path: path)
        }
        // STYLE.md: hash explicit canonical bytes (RFC 8785) with a format version, never encoder output.
        let canonical = try JSONWriter.canonical(keyed)
        var hasher = SHA256()
        hasher.update(versionTag)
        hasher.update(modelId)
        hasher.update("\n")
        hasher.update(canonical)
        return CacheKey(uncheckedHex: SHA256.hex(hasher.finalize()))
    }
}
