import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct CRC32Tests {
    /// Bytes from the shared seeded generator, one per draw (its top byte), so python3 can replay them.
    private static func randomBytes(_ count: Int, using generator: inout ConverseFixtures.SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 56) }
    }

    /// The textbook bit-at-a-time CRC-32, as an oracle for the table-driven one.
    private static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    @Test func knownAnswers() {
        // The CRC-32 check value (the "123456789" catalogue entry for CRC-32/ISO-HDLC) and zlib's well-known answers.
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
        #expect(CRC32.checksum([UInt8](repeating: 0xFF, count: 32)) == 0xFF6C_AB0B)
        #expect(CRC32.checksum((0...255).map { UInt8($0) }) == 0x2905_8C73)
        #expect(CRC32.checksum([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == 0xDC25_BFBC)
    }

    @Test func agreesWithPythonZlib() {
        // Values printed by python3's zlib.crc32 over the same SplitMix64 draws (top byte of each), seed 1952,
        // buffers taken one after another from one generator.
        let expected: [(Int, UInt32)] = [
            (1, 0xE5DA_D47D), (3, 0x48C9_51EA), (7, 0xB4E4_4837), (8, 0xF70D_1295), (9, 0x0BB3_08E9),
            (15, 0x7B93_97D1), (16, 0x8D58_29C5), (17, 0xFE09_ECE9), (63, 0xC4F5_2467), (64, 0x78E0_9DEA),
            (65, 0x2EDC_352D), (1000, 0x2FA1_9585), (4099, 0x01F9_51F2), (65537, 0xA1A1_D27E),
        ]
        var generator = ConverseFixtures.SeededGenerator(state: 1952)
        for (count, crc) in expected {
            let bytes = Self.randomBytes(count, using: &generator)
            #expect(CRC32.checksum(bytes) == crc, "length \(count)")
        }
    }

    @Test func agreesWithTheBitwiseDefinitionAtEveryLengthAndAlignment() {
        var generator = ConverseFixtures.SeededGenerator(state: 3309)
        let bytes = Self.randomBytes(300, using: &generator)
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = Array(bytes[start..<end])
                #expect(CRC32.checksum(bytes[start..<end]) == Self.bitwise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    @Test func seedContinuesAChecksumAtEverySplit() {
        var generator = ConverseFixtures.SeededGenerator(state: 1979)
        let bytes = Self.randomBytes(100, using: &generator)
        let whole = CRC32.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32.checksum(bytes[..<split])
            #expect(CRC32.checksum(bytes[split...], seed: first) == whole, "split at \(split)")
        }
        let empty: [UInt8] = []
        #expect(CRC32.checksum(empty, seed: whole) == whole)
    }

    @Test func rawBufferArrayAndSliceFormsAgree() {
        let text = Array("event stream prelude".utf8)
        let viaRaw = text.withUnsafeBytes { CRC32.checksum($0) }
        #expect(viaRaw == CRC32.checksum(text))
        #expect(CRC32.checksum(text[...]) == CRC32.checksum(text))
        #expect(CRC32.checksum(text[6..<12]) == CRC32.checksum(Array("stream".utf8)))
    }
}
