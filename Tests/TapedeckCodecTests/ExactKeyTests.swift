import Testing
@testable import TapedeckCodec

@Suite struct ExactKeyTests {
    @Test func distinguishesCanonicallyEquivalentStrings() {
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        #expect(precomposed == decomposed)
        #expect(!ExactKey.equal(precomposed, decomposed))
        #expect(ExactKey(precomposed) != ExactKey(decomposed))
        #expect(Set([ExactKey(precomposed), ExactKey(decomposed), ExactKey("\u{E9}")]).count == 2)
    }

    @Test func equalStringsHashAlike() {
        let bridged = String(decoding: Array("clé".utf8), as: UTF8.self)
        #expect(ExactKey("clé") == ExactKey(bridged))
        #expect(ExactKey("clé").hashValue == ExactKey(bridged).hashValue)
    }
}
