import Testing
@testable import TapedeckBedrock
import TapedeckCodec

/// The model-id decoder takes eight plain bytes at a time; it must decide exactly what a byte-at-a-time
/// percent-decoder decides, for every segment.
@Suite struct BedrockRouteEncodingTests {
    /// The rules, one byte at a time: `%XX` decoded, control characters and DEL refused, UTF-8 checked.
    static func reference(_ segment: [UInt8]) -> String? {
        guard !segment.isEmpty else { return nil }
        var decoded: [UInt8] = [], index = 0
        while index < segment.count {
            var byte = segment[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < segment.count, let high = HexDigits.value(of: segment[index + 1]),
                      let low = HexDigits.value(of: segment[index + 2]) else { return nil }
                byte = high << 4 | low
                index += 3
            } else {
                index += 1
            }
            if byte < 0x20 || byte == 0x7F { return nil }
            decoded.append(byte)
        }
        guard decoded.count <= BedrockRoute.maxModelIdBytes else { return nil }
        return String(validating: decoded, as: UTF8.self)
    }

    static func decode(_ segment: [UInt8]) -> String? {
        let result = segment.withUnsafeBytes { BedrockRoute.decodeModelId($0) }
        if case .decoded(let id) = result { return id }
        return nil
    }

    @Test func theWordAtATimeDecoderAgreesWithTheByteAtATimeRules() {
        let alphabet = Array("abcXYZ019.-_:%3A%7f%0a%C3%A9%E2%82%AC%%2".utf8) + [0x00, 0x09, 0x1F, 0x20, 0x25, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]
        var generator = SystemRandomNumberGenerator()
        var decodedCount = 0
        for round in 0..<5_000 {
            let length = round < 64 ? round : Int.random(in: 0...80, using: &generator)
            var segment = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            // Plain runs of every length around a word, where the decoder switches between words and bytes.
            if round % 3 == 0 { segment = Array("us.anthropic.claude-3-5-haiku".utf8.prefix(length)) + segment.prefix(round % 11) }
            let expected = Self.reference(segment)
            #expect(Self.decode(segment) == expected, "segment \(segment)")
            if expected != nil { decodedCount += 1 }
        }
        #expect(decodedCount > 200, "the mix decodes often enough to compare answers, not only refusals")
    }

    @Test func everyByteInAnOtherwisePlainWordIsJudgedAsAlone() {
        for byte in UInt8.min...UInt8.max {
            for position in 0..<8 {
                var segment = Array("abcdefghijklmnop".utf8)
                segment[position] = byte
                #expect(Self.decode(segment) == Self.reference(segment), "byte \(byte) at \(position)")
            }
        }
    }
}
