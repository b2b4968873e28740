import Testing
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck rm` from the real binary: unique prefixes are removed, ambiguous and unknown ones reported.
@Suite struct RmCommandTests {
    @Test func removesUniquePrefixesAndReportsAnAmbiguousOneWithExitOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (cassettes, shared) = try CommandFixtures.storeWithSharedPrefix(at: scratch.path)
        let store = JSONFileStore(directory: scratch.path)
        let unique = cassettes.filter { cassette in !cassette.key.hex.hasPrefix(shared) }.prefix(2)
        #expect(unique.count == 2)
        let result = try await CommandRunner.run("rm", unique.map(\.key.prefix) + [shared], store: scratch.path)
        #expect(result.status == 1)
        try Golden.check(result.stdout, "rm")
        #expect(result.stdout == unique.map { "removed \($0.key.hex)\n" }.joined())
        #expect(result.stderrLines.first?.hasPrefix("tapedeck rm: key prefix \(shared) is ambiguous: ") == true)
        for cassette in cassettes {
            let removed = unique.contains { $0.key == cassette.key }
            #expect((try store.load(cassette.key) == nil) == removed)
        }
    }

    @Test func anUnknownPrefixExitsOneAfterRemovingTheOthers() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let unused = "0123456789abcdef".first { digit in !cassettes.contains { $0.key.hex.first == digit } } ?? "0"
        let target = cassettes[0]
        let result = try await CommandRunner.run("rm", ["\(unused)abc", target.key.prefix, target.key.hex], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout == "removed \(target.key.hex)\n")
        #expect(result.stderr == "tapedeck rm: no cassette in json:\(scratch.path) has a key starting with \(unused)abc\n")
        #expect(try JSONFileStore(directory: scratch.path).count() == cassettes.count - 1)
    }

    @Test func removingEverythingNamedExitsZero() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("rm", cassettes.map(\.key.prefix), store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(try JSONFileStore(directory: scratch.path).count() == 0)
    }

    @Test(arguments: [
        (["rm"], "tapedeck rm: needs at least one KEY-PREFIX (see tapedeck ls)"),
        (["rm", "abc", "g1"], #"tapedeck rm: "g1" is not a key prefix: expected 1 to 64 hex digits, as tapedeck ls shows them"#),
    ])
    func badCommandLinesExitTwoAndRemoveNothing(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr == line + "\n")
    }
}
