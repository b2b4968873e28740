import Foundation
import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct Base64Tests {
    /// RFC 4648 §10's test vectors.
    static let vectors: [(plain: String, encoded: String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test func encodesTheRFCVectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.encode(plain.utf8) == encoded, "a non-contiguous collection")
        }
    }

    @Test func decodesTheRFCVectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64.decode(encoded) == Array(plain.utf8))
            #expect(Base64.decode(bytes: Array(encoded.utf8)) == Array(plain.utf8))
            #expect(Base64.decode(bytes: encoded.utf8.lazy.map { $0 }) == Array(plain.utf8), "a non-contiguous collection")
        }
    }

    @Test func usesTheStandardAlphabetForEverySixBitValue() {
        // 0x00 0x10 0x83 0x10 0x51 0x87 … spells the alphabet in order: 48 bytes carry all 64 values.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let bytes = Base64.decode(alphabet)
        #expect(bytes?.count == 48)
        #expect(bytes.map(Base64.encode) == alphabet)
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(Base64.encode([0x00]) == "AA==")
        #expect(Base64.encode([0xFF, 0xFF]) == "//8=")
    }

    @Test func decodesASubstringAndTheTailOfALargerString() {
        let text = "prefix:Zm9vYmFy"
        #expect(Base64.decode(text.dropFirst(7)) == Array("foobar".utf8))
    }

    /// Random bytes of every length near the group boundaries, against Foundation's encoder as an oracle.
    @Test func roundTripsRandomBytesAndAgreesWithFoundation() {
        var rng = TestSeed.generator()
        for length in Array(0...64) + [255, 256, 257, 4095, 65_536] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString(), "length \(length), \(TestSeed.replay)")
            #expect(Base64.decode(encoded) == bytes, "length \(length), \(TestSeed.replay)")
        }
    }

    @Test func roundTripsMegabytes() {
        let bytes = (0..<(3 << 20) + 1).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let encoded = Base64.encode(bytes)
        #expect(encoded.utf8.count == ((3 << 20) / 3 + 1) * 4)
        #expect(Base64.decode(encoded) == bytes)
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zm9vY", "Zm9vYg", "Zm9vYg=",  // not whole 4-character groups
        "====", "Z===", "Zg==Zg==", "Zm9=Ym9v", "Z=9v", "=m9v", "Zm=v",  // "=" other than at the end of the last group
        "Zh==", "Zm9=", "Zm//Zh==", "//9=",  // nonzero bits after the last byte (RFC 4648 §3.5)
        "Zm9v\n", "Zm9v Zm9v", " Zm9v", "Zm9\tv", "Zm9v\r\n",  // whitespace and line breaks
        "Zm9-", "Zm9_", "Zm9.", "Zé9", "Zm\u{0}v", "Zm\u{7F}v",  // URL-safe alphabet and other characters
    ])
    func refuses(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    /// Every two-character group ending in `==` and every three-character group ending in `=` decodes exactly when
    /// its unused bits are zero, and then re-encodes to itself.
    @Test func acceptsExactlyTheCanonicalPaddedGroups() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        for (value, last) in alphabet.enumerated() {
            let twoPadded = "A\(last)=="
            #expect((Base64.decode(twoPadded) != nil) == (value & 0x0F == 0), "\(twoPadded)")
            let onePadded = "AA\(last)="
            #expect((Base64.decode(onePadded) != nil) == (value & 0x03 == 0), "\(onePadded)")
            if let bytes = Base64.decode(onePadded) { #expect(Base64.encode(bytes) == onePadded) }
            if let bytes = Base64.decode(twoPadded) { #expect(Base64.encode(bytes) == twoPadded) }
        }
    }

    @Test func refusesEveryByteOutsideTheAlphabetInEveryPosition() {
        let accepted = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8))
        for byte in UInt8.min...UInt8.max where !accepted.contains(byte) && byte != UInt8(ascii: "=") {
            for position in 0..<8 {
                var text = Array("Zm9vYmFy".utf8)
                text[position] = byte
                #expect(Base64.decode(bytes: text) == nil, "byte \(byte) at \(position)")
            }
        }
    }
}
