import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

@Suite struct KeyPrefixTests {
    private let entries = ["ab12", "ab34", "cd56"].map { start in
        let hex = start + String(repeating: "0", count: 60)
        return StoreEntry(key: CacheKey(hex: hex)!, location: "S/\(hex.prefix(2))/\(hex).json")
    }

    @Test func aUniquePrefixInEitherCaseResolves() throws {
        #expect(try KeyPrefix("AB1").resolve(in: entries, store: "json:S") == entries[0])
        #expect(try KeyPrefix("c").resolve(in: entries, store: "json:S") == entries[2])
        #expect(try KeyPrefix(entries[1].key.hex).resolve(in: entries, store: "json:S") == entries[1])
    }

    @Test func anAmbiguousPrefixListsEveryMatch() {
        #expect(throws: CommandFailure("""
            key prefix ab is ambiguous: 2 cassettes in json:S match; give more digits:
              \(entries[0].key.hex)  \(entries[0].location)
              \(entries[1].key.hex)  \(entries[1].location)
            """)) { try KeyPrefix("ab").resolve(in: entries, store: "json:S") }
    }

    @Test func manyMatchesAreCutShort() throws {
        let many = (0..<13).map { index in
            let hex = "ee" + String(String(index + 100).suffix(2)) + String(repeating: "0", count: 60)
            return StoreEntry(key: CacheKey(hex: hex)!, location: hex)
        }
        let error = #expect(throws: CommandFailure.self) { try KeyPrefix("ee").resolve(in: many, store: "json:S") }
        let lines = error?.reason.split(separator: "\n") ?? []
        #expect(lines.count == 1 + KeyPrefix.listedMatches + 1)
        #expect(lines.last == "  … and 3 more")
        #expect(error?.status == 1)
    }

    @Test func anUnknownPrefixSaysSo() {
        #expect(throws: CommandFailure("no cassette in json:S has a key starting with ef")) {
            try KeyPrefix("ef").resolve(in: entries, store: "json:S")
        }
    }

    @Test(arguments: ["", "xyz", "ab-1", " ab", String(repeating: "a", count: 65), "éa"])
    func whatIsNotHexIsABadCommandLine(_ text: String) {
        #expect(throws: UsageError.self) { try KeyPrefix(text) }
    }
}
