import Testing
@testable import TapedeckCodec

@Suite struct EventStreamErrorTests {
    @Test func describesStreamErrorsWithTheMessageOffset() {
        let error = EventStreamError(offset: 318, reason: "prelude CRC mismatch (expected 0xc37babff, got 0x00000000)")
        #expect(error.description == "event stream at byte 318: prelude CRC mismatch (expected 0xc37babff, got 0x00000000)")
        #expect(!error.isEncodingError)
    }

    @Test func describesEncodingErrorsWithoutAnOffset() {
        let error = EventStreamError.encoding("header name is empty")
        #expect(error.offset == EventStreamError.notInStream)
        #expect(error.isEncodingError)
        #expect(error.description == "cannot encode event stream message: header name is empty")
    }

    @Test func showsCRCsAsEightLowercaseHexDigits() {
        #expect(EventStreamError.hex(0) == "0x00000000")
        #expect(EventStreamError.hex(0xC37B_ABFF) == "0xc37babff")
        #expect(EventStreamError.hex(0xA) == "0x0000000a")
    }
}
