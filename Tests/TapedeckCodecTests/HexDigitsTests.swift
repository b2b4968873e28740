import Testing
@testable import TapedeckCodec

@Suite struct HexDigitsTests {
    @Test func formatsBothCases() {
        #expect(HexDigits.upper(0x0F) == "0F")
        #expect(HexDigits.upper16(0xD83D) == "D83D")
        #expect(String(decoding: HexDigits.lowerASCII, as: UTF8.self) == "0123456789abcdef")
    }

    @Test func readsDigitsOfEitherCaseOnly() {
        let values = Array("09afAF".utf8).map(HexDigits.value(of:))
        #expect(values == [0, 9, 10, 15, 10, 15])
        for byte in Array("gG/:@`".utf8) {
            #expect(HexDigits.value(of: byte) == nil)
        }
    }
}
