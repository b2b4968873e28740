import TapedeckCodec

/// Bytes as base64 text into `Base64.decode`, and as data into `Base64.encode`.
///
/// Properties: text that decodes re-encodes to exactly the same bytes, and the decoder agrees with a slow reference
/// reading of RFC 4648 §4 on what it accepts and what it yields; the String and byte entry points agree; any bytes
/// encode to padded text of the alphabet that decodes back to them.
enum Base64Target {
    static func run(_ bytes: [UInt8]) {
        let decoded = Base64.decode(bytes: bytes)
        let expected = reference(bytes)
        Property.check(decoded == expected,
                       "decode(\(text(bytes))) = \(String(describing: decoded)), the reference says \(String(describing: expected))")
        if let decoded {
            Property.check(Array(Base64.encode(decoded).utf8) == bytes, "\(text(bytes)) decodes but re-encodes otherwise")
        }
        let asText = String(decoding: bytes, as: UTF8.self)
        if Array(asText.utf8) == bytes {
            Property.check(Base64.decode(asText) == decoded, "the String and byte decoders disagree on \(text(bytes))")
        }

        let encoded = Base64.encode(bytes)
        let characters = Array(encoded.utf8)
        Property.check(characters.count == (bytes.count + 2) / 3 * 4,
                       "encode gave \(characters.count) characters for \(bytes.count) bytes")
        let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        Property.check(padding == [0, 2, 1][bytes.count % 3] && characters.dropLast(padding).allSatisfy(alphabet.contains),
                       "encode wrote \(text(characters)) for \(bytes.count) bytes")
        Property.check(Base64.decode(encoded) == bytes, "encode(\(bytes.count) bytes) does not decode back")
    }

    /// RFC 4648 §4 read one character at a time: 6 bits each into an accumulator, a byte out whenever 8 are there;
    /// `=` only as the last one or two characters, after which the leftover bits must be zero (§3.5).
    static func reference(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        let padding = text.suffix(2).reversed().prefix { $0 == UInt8(ascii: "=") }.count
        var out: [UInt8] = []
        var bits: UInt32 = 0
        var count = 0
        for character in text.dropLast(padding) {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            bits = bits << 6 | UInt32(index)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
                bits &= (1 << UInt32(count)) - 1
            }
        }
        return bits == 0 ? out : nil
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Bytes for a failure message, cut short.
    static func text(_ bytes: [UInt8]) -> String {
        String(reflecting: String(decoding: bytes.prefix(120), as: UTF8.self))
    }
}
