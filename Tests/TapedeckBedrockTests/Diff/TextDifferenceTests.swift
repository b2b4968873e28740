import Testing
@testable import TapedeckBedrock

@Suite struct TextDifferenceTests {
    @Test func identicalTextsHaveNoDifference() {
        #expect(TextDifference(recorded: "", asked: "") == nil)
        #expect(TextDifference(recorded: "same", asked: "same") == nil)
    }

    @Test func positionsCountCharactersNotBytes() throws {
        let difference = try #require(TextDifference(recorded: "café 😀 au lait", asked: "café 😀 au thé"))
        #expect(difference.character == 11)
        #expect(difference.recordedSnippet == "…fé 😀 au lait")
        #expect(difference.askedSnippet == "…fé 😀 au thé")
    }

    @Test func canonicallyEquivalentCharactersStillDiffer() throws {
        let difference = try #require(TextDifference(recorded: "caf\u{E9}", asked: "cafe\u{301}"))
        #expect(difference.character == 4)
    }

    @Test func emptySideAndPrefix() throws {
        let added = try #require(TextDifference(recorded: "", asked: "hello"))
        #expect(added.description == #"differs at character 1: "" → "hello""#)
        let cut = try #require(TextDifference(recorded: "abcdefghijklmnopqrstuvwxyz", asked: "abcdefghijklm"))
        #expect(cut.description == #"differs at character 14: "…fghijklmnopqrstuvwxy…" → "…fghijklm""#)
    }

    @Test func escapesQuotesBackslashesAndControls() {
        #expect(TextDifference.escaped("a\"b\\c\nd\te\u{1B}f\u{7F}") == #"a\"b\\c\nd\te\u001Bf\u007F"#)
    }

    @Test func sharedPrefixRatio() {
        #expect(TextDifference.sharedPrefixRatio("", "") == 1)
        #expect(TextDifference.sharedPrefixRatio("abcd", "abxy") == 0.5)
        #expect(TextDifference.sharedPrefixRatio("ab", "abcd") == 0.5)
        #expect(TextDifference.sharedPrefixRatio("x", "y") == 0)
    }
}
