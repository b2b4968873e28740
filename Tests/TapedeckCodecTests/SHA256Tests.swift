import Foundation
import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct SHA256Tests {
    private func hex(_ text: String) -> String {
        SHA256.hex(SHA256.hash(Array(text.utf8)))
    }

    @Test func matchesNISTVectors() {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA256_2.pdf") and the one-million-'a' vector.
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func digestIs32BytesAndHexIsLowercase() {
        let digest = SHA256.hash(Array("abc".utf8))
        #expect(digest.count == 32)
        #expect(SHA256.hex([0x00, 0xAB, 0xFF]) == "00abff")
    }

    @Test func splitUpdatesGiveTheSameDigest() {
        var generator = ConverseFixtures.SeededGenerator(state: 1804)
        let message = (0..<5_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256.hash(message)
        for _ in 0..<200 {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                let step = min(message.count - offset, Int.random(in: 0...150, using: &generator))
                message[offset..<(offset + step)].withUnsafeBytes { hasher.update($0) }
                offset += step
            }
            #expect(hasher.finalize() == whole)
        }
    }

    @Test func stringAndByteUpdatesAgreeAndFinalizeDoesNotConsume() {
        var hasher = SHA256()
        hasher.update("tapedeck-key-v1\n")
        hasher.update([0xC3, 0xA9])
        #expect(hasher.finalize() == SHA256.hash(Array("tapedeck-key-v1\né".utf8)))
        #expect(hasher.finalize() == hasher.finalize())
    }

    @Test func agreesWithSha256sum() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { #expect(throws: Never.self) { try FileManager.default.removeItem(at: directory) } }
        var generator = ConverseFixtures.SeededGenerator(state: 256)
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1_000, 70_001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = directory.appendingPathComponent("\(length).bin")
            try Data(bytes).write(to: file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sha256sum", file.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let expected = String(decoding: output, as: UTF8.self).prefix(64)
            #expect(SHA256.hex(SHA256.hash(bytes)) == String(expected), "length \(length)")
        }
    }
}

@Suite struct SHA256HardwareTests {
    /// The CPU's SHA instructions and the portable Swift rounds give the same state for random input.
    @Test func hardwareAndPortableCompressionAgree() {
        var rng = TestSeed.generator()
        for blocks in [1, 2, 7, 64] {
            let input = (0..<(blocks * 64)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var portable = SHA256()
            var chosen = SHA256()
            input.withUnsafeBytes { raw in
                portable.compressPortably(raw.baseAddress!, blocks: blocks)
                chosen.compress(raw.baseAddress!, blocks: blocks)
            }
            #expect(portable.finalize() == chosen.finalize(), "\(blocks) blocks, hardware: \(SHA256.hardwareAvailable), \(TestSeed.replay)")
        }
    }
}
