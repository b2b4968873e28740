/// HMAC (RFC 2104) over the project's SHA-256, for AWS Signature Version 4.
public enum HMAC {
    /// SHA-256's block size in bytes: the length keys are padded (or hashed down) to.
    static let blockSize = 64

    /// HMAC-SHA256 of `message` under `key`; the 32-byte tag.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { sha256(key: key, message: $0) }
    }

    /// HMAC-SHA256 of the UTF-8 of `message` under `key`.
    package static func sha256(key: [UInt8], message: String) -> [UInt8] {
        var message = message
        return message.withUTF8 { sha256(key: key, message: UnsafeRawBufferPointer($0)) }
    }

    /// HMAC-SHA256 of the bytes `message` points at, under `key`.
    package static func sha256(key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        // RFC 2104 §2: a key longer than the block is replaced by its hash; then it is zero-padded to the block.
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: blockSize - block.count))

        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })  // RFC 2104 §2: ipad
        inner.update(message)
        let innerDigest = inner.finalize()

        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5C })  // RFC 2104 §2: opad
        outer.update(innerDigest)
        return outer.finalize()
    }
}
