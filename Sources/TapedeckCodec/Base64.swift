/// Base64 as RFC 4648 §4 defines it: the standard alphabet (`+`, `/`) with `=` padding. Bedrock carries every blob
/// this way (Converse `bytes`, an InvokeModel stream's `{"bytes": …}` chunks), and bodies of tens of megabytes are
/// legitimate, so both directions work on UTF-8 bytes in buffers sized once.
///
/// Decoding is strict, so that whatever decodes re-encodes to exactly the text it came from: the length must be a
/// multiple of 4, `=` may only end the last group, the bits a padded group leaves unused must be zero
/// (RFC 4648 §3.5), and nothing outside the alphabet is accepted, whitespace and line breaks included (§3.3).
public enum Base64 {
    /// The 64 characters of RFC 4648 §4's Table 1, in value order.
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The value of each byte as a base64 character, or `invalid`.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// The table entry of a byte that is not in the alphabet.
    static let invalid: UInt8 = 0xFF

    private static let pad = UInt8(ascii: "=")

    // MARK: Encoding

    /// The padded base64 text of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let fast = bytes.withContiguousStorageIfAvailable { encode(buffer: $0) }
        return fast ?? Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// The padded base64 text of `input`, written straight into the string's storage.
    private static func encode(buffer input: UnsafeBufferPointer<UInt8>) -> String {
        let (groups, overflow) = input.count.quotientAndRemainder(dividingBy: 3)
        let length = (groups + (overflow > 0 ? 1 : 0)) * 4
        return String(unsafeUninitializedCapacity: length) { output in
            alphabet.withUnsafeBufferPointer { table in
                var read = 0, write = 0
                for _ in 0..<groups {
                    let word = UInt32(input[read]) << 16 | UInt32(input[read + 1]) << 8 | UInt32(input[read + 2])
                    output[write] = table[Int(word >> 18)]
                    output[write + 1] = table[Int(word >> 12 & 0x3F)]
                    output[write + 2] = table[Int(word >> 6 & 0x3F)]
                    output[write + 3] = table[Int(word & 0x3F)]
                    read += 3
                    write += 4
                }
                // RFC 4648 §4: a final 1 or 2 bytes become 2 or 3 characters, padded with "=" to 4.
                if overflow > 0 {
                    let second = overflow == 2 ? UInt32(input[read + 1]) : 0
                    let word = UInt32(input[read]) << 16 | second << 8
                    output[write] = table[Int(word >> 18)]
                    output[write + 1] = table[Int(word >> 12 & 0x3F)]
                    output[write + 2] = overflow == 2 ? table[Int(word >> 6 & 0x3F)] : pad
                    output[write + 3] = pad
                }
            }
            return length
        }
    }

    // MARK: Decoding

    /// The bytes `text` encodes, or nil unless it is strict padded base64 (see the type's summary).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// The bytes that the base64 characters `bytes` (UTF-8) encode, or nil unless they are strict padded base64.
    public static func decode(bytes: some Collection<UInt8>) -> [UInt8]? {
        let fast = bytes.withContiguousStorageIfAvailable { decode(buffer: $0) }
        return fast ?? Array(bytes).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // RFC 4648 §3.2 and §4: padded text is whole 4-character groups.
        guard input.count % 4 == 0 else { return nil }
        guard input.count > 0 else { return [] }
        let padding = input[input.count - 1] != pad ? 0 : input[input.count - 2] != pad ? 1 : 2
        let length = input.count / 4 * 3 - padding
        var valid = true
        let output = [UInt8](unsafeUninitializedCapacity: length) { output, initialized in
            valid = values.withUnsafeBufferPointer { table in decode(input, padding: padding, table: table, into: output) }
            initialized = valid ? length : 0
        }
        return valid ? output : nil
    }

    /// Decodes every group into `output` (exactly the decoded length); false on any character or bit the strict
    /// rules refuse.
    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>, padding: Int, table: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Bool {
        let fullGroups = input.count / 4 - (padding > 0 ? 1 : 0)
        var read = 0, write = 0
        // Any invalid character has the table's 0xFF, so OR-ing the four values shows it in bit 7.
        var seen: UInt8 = 0
        for _ in 0..<fullGroups {
            let a = table[Int(input[read])], b = table[Int(input[read + 1])]
            let c = table[Int(input[read + 2])], d = table[Int(input[read + 3])]
            seen |= a | b | c | d
            let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            output[write] = UInt8(truncatingIfNeeded: word >> 16)
            output[write + 1] = UInt8(truncatingIfNeeded: word >> 8)
            output[write + 2] = UInt8(truncatingIfNeeded: word)
            read += 4
            write += 3
        }
        guard seen & 0x80 == 0 else { return false }
        guard padding > 0 else { return true }
        let a = table[Int(input[read])], b = table[Int(input[read + 1])]
        guard (a | b) & 0x80 == 0 else { return false }
        output[write] = a << 2 | b >> 4
        if padding == 2 {
            // RFC 4648 §3.5: the 4 bits the first byte leaves over in the second character must be zero.
            return b & 0x0F == 0
        }
        let c = table[Int(input[read + 2])]
        guard c & 0x80 == 0 else { return false }
        output[write + 1] = b << 4 | c >> 2
        // RFC 4648 §3.5: and the 2 bits the second byte leaves over in the third.
        return c & 0x03 == 0
    }
}
