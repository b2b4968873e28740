import TapedeckCodec
/// Percent-encoding of the model id path segment, both ways.
extension BedrockRoute {
    /// The outcome of decoding a model id segment.
    enum ModelIdDecoding: Equatable {
        case decoded(String)
        /// Why the segment cannot name a model.
        case rejected(String)
    }

    /// Encodes `segment` as boto3 does: every UTF-8 byte outside `A-Za-z0-9-._~` becomes `%XX` (uppercase).
    public static func encodePathSegment(_ segment: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            // RFC 3986 §2.3: unreserved characters are never encoded.
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(HexDigits.upperASCII[Int(byte >> 4)])
                out.append(HexDigits.upperASCII[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Percent-decodes one path segment into a model id, refusing anything that could not name a model.
    static func decodeModelId(_ segment: UnsafeRawBufferPointer) -> ModelIdDecoding {
        guard !segment.isEmpty else { return .rejected("empty model id") }
        // One pass into scratch memory (a decoded id is never longer than its segment); the String is made once, and
        // without UTF-8 validation when every byte is ASCII (every model id SDKs send).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: segment.count) { decoded in
            var count = 0, index = 0
            var ascii = true, control = false
            while index < segment.count {
                var byte = segment[index]
                if byte == UInt8(ascii: "%") {
                    // RFC 3986 §2.1: a percent sign is always followed by two hex digits.
                    guard index + 2 < segment.count,
                          let high = HexDigits.value(of: segment[index + 1]),
                          let low = HexDigits.value(of: segment[index + 2]) else {
                        return .rejected("invalid percent-encoding at byte \(index) of the model id")
                    }
                    byte = high << 4 | low
                    index += 3
                } else {
                    index += 1
                }
                // The cache key separates the model id from the body with a newline; no control character may hide there.
                if byte < 0x20 || byte == 0x7F { control = true }
                if byte >= 0x80 { ascii = false }
                decoded[count] = byte
                count += 1
            }
            guard count <= maxModelIdBytes else {
                return .rejected("model id longer than \(maxModelIdBytes) bytes")
            }
            guard !control else { return .rejected("control character in model id") }
            let bytes = UnsafeBufferPointer(rebasing: decoded[0..<count])
            if ascii { return .decoded(String(decoding: bytes, as: UTF8.self)) }
            guard let modelId = String(validating: bytes, as: UTF8.self) else {
                return .rejected("model id is not valid UTF-8")
            }
            return .decoded(modelId)
        }
    }
}
