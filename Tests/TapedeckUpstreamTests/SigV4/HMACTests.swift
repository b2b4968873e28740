import Testing
@testable import TapedeckCodec
@testable import TapedeckUpstream

@Suite struct HMACTests {
    private func tag(_ key: [UInt8], _ message: [UInt8]) -> String {
        SHA256.hex(HMAC.sha256(key: key, message: message))
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // RFC 4231 §4.2–§4.8: the HMAC-SHA-256 results of test cases 1–7.
    @Test func rfc4231Case1() {
        #expect(tag([UInt8](repeating: 0x0B, count: 20), bytes("Hi There"))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func rfc4231Case2KeyShorterThanTheTag() {
        #expect(tag(bytes("Jefe"), bytes("what do ya want for nothing?"))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func rfc4231Case3() {
        #expect(tag([UInt8](repeating: 0xAA, count: 20), [UInt8](repeating: 0xDD, count: 50))
            == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    }

    @Test func rfc4231Case4() {
        #expect(tag(Array(1...25), [UInt8](repeating: 0xCD, count: 50))
            == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
    }

    @Test func rfc4231Case5TruncatedTo128Bits() {
        let full = HMAC.sha256(key: [UInt8](repeating: 0x0C, count: 20), message: bytes("Test With Truncation"))
        #expect(SHA256.hex(Array(full.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func rfc4231Case6KeyLongerThanTheBlockIsHashedFirst() {
        #expect(tag([UInt8](repeating: 0xAA, count: 131), bytes("Test Using Larger Than Block-Size Key - Hash Key First"))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func rfc4231Case7KeyAndMessageLongerThanTheBlock() {
        let message = "This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm."
        #expect(tag([UInt8](repeating: 0xAA, count: 131), bytes(message))
            == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test func stringAndByteMessagesAgree() {
        let key = bytes("key")
        let message = "Grüße, 世界"
        #expect(HMAC.sha256(key: key, message: message) == HMAC.sha256(key: key, message: bytes(message)))
    }

    @Test func aKeyOfExactlyOneBlockIsUsedAsIs() {
        // A 64-byte key is neither hashed nor padded; Python's hmac agrees (hmac.new(b"k" * 64, b"m", sha256)).
        #expect(tag([UInt8](repeating: UInt8(ascii: "k"), count: 64), bytes("m"))
            == "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7803289fa")
    }
}
