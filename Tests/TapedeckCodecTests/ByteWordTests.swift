import Testing
@testable import TapedeckCodec

/// Every word question, asked of every byte value in every position among plain neighbours and among neighbours that
/// match too (where a borrow could spill), answers what a byte-at-a-time look answers.
@Suite struct ByteWordTests {
    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { ByteWord.load($0, at: 0) }
    }

    @Test func everyAnswerMatchesAByteAtATimeLook() {
        for fill in [UInt8(ascii: "a"), 0x00, 0x20, 0x7F] {
            for byte in UInt8.min...UInt8.max {
                for position in 0..<8 {
                    var bytes = [UInt8](repeating: fill, count: 8)
                    bytes[position] = byte
                    let word = Self.word(bytes)
                    #expect(ByteWord.hasNonASCII(word) == bytes.contains { $0 >= 0x80 })
                    for probe: UInt8 in [0x00, 0x22, 0x25, 0x5C, 0x7F, 0xFF] {
                        #expect(ByteWord.has(word, byte: probe) == bytes.contains(probe), "\(bytes) has \(probe)")
                    }
                    if !bytes.contains(where: { $0 >= 0x80 }) {
                        for limit: UInt8 in [0x20, 0x21, 0x80] {
                            #expect(ByteWord.hasASCII(word, below: limit) == bytes.contains { $0 < limit }, "\(bytes) below \(limit)")
                        }
                    }
                }
            }
        }
    }

    @Test func loadsAnyAlignmentInMemoryOrder() {
        let bytes: [UInt8] = [9, 1, 2, 3, 4, 5, 6, 7, 8]
        let word = bytes.withUnsafeBytes { ByteWord.load($0, at: 1) }
        #expect(word == 0x0807_0605_0403_0201)
    }
}
