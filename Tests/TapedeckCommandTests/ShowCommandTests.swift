import Foundation
import Testing
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck show` from the real binary: conversations compared with golden files, prefixes resolved or refused.
@Suite struct ShowCommandTests {
    @Test(arguments: [("capital", 0), ("eggs", 1), ("tools", 2), ("stream", 3)])
    func showsTheConversationAsAPersonReadsIt(_ name: String, _ index: Int) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("show", [String(cassettes[index].key.prefix)], store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        try Golden.check(result.stdout, "show-\(name)")
    }

    @Test func jsonPrintsTheCassetteFileForm() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("show", [String(cassettes[3].key.hex.prefix(8)).uppercased(), "--json"], store: scratch.path)
        #expect(result.status == 0)
        let file = try CassetteFixtures.read(JSONFileStore(directory: scratch.path).path(for: cassettes[3].key))
        #expect(Array(result.stdout.utf8) == file)
    }

    @Test func aStreamThatDoesNotFoldIsShownWithItsProblemAndExitsOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var cassette = try CommandFixtures.haikuStream()
        if case .events(let events) = cassette.response.content {
            cassette.response.content = .events(events.filter { $0.type != "messageStop" })
        }
        try JSONFileStore(directory: scratch.path).save(cassette)
        let result = try await CommandRunner.run("show", [cassette.key.prefix], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("answer: [the recorded stream cannot be folded into an answer: the stream has no messageStop]\n"))
        #expect(result.stdout.hasSuffix("usage: 17 in, 22 out\n"))
        #expect(result.stderrLines.count == 1)
    }

    @Test func anAmbiguousPrefixExitsOneListingTheMatches() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (cassettes, prefix) = try CommandFixtures.storeWithSharedPrefix(at: scratch.path)
        let result = try await CommandRunner.run("show", [prefix], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let matching = cassettes.filter { $0.key.hex.hasPrefix(prefix) }
        #expect(matching.count >= 2)
        #expect(result.stderrLines.first == "tapedeck show: key prefix \(prefix) is ambiguous: \(matching.count) cassettes in json:\(scratch.path) match; give more digits:")
        for cassette in matching {
            #expect(result.stderrLines.contains("  \(cassette.key.hex)  \(JSONFileStore(directory: scratch.path).path(for: cassette.key))"))
        }
    }

    @Test func anUnknownPrefixExitsOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let unused = "0123456789abcdef".first { digit in !cassettes.contains { $0.key.hex.first == digit } } ?? "0"
        let result = try await CommandRunner.run("show", ["\(unused)00000"], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stderr == "tapedeck show: no cassette in json:\(scratch.path) has a key starting with \(unused)00000\n")
    }

    @Test(arguments: [
        (["show"], "tapedeck show: needs a KEY-PREFIX (see tapedeck ls)"),
        (["show", "abc", "def"], "tapedeck show: takes one KEY-PREFIX, not 2 (see tapedeck show --help)"),
        (["show", "xyz"], #"tapedeck show: "xyz" is not a key prefix: expected 1 to 64 hex digits, as tapedeck ls shows them"#),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr == line + "\n")
    }
}

/// `show` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct ShowNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func showsACassetteOfAnyNamespaceNamingIt(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let (stream, capital) = (layout.cassettes["alpha"]![1], layout.cassettes[""]![0])
        let inAlpha = try await CommandRunner.run(["show", stream.key.prefix, "--store", layout.spec])
        #expect(inAlpha.status == 0, "\(inAlpha.stderr)")
        #expect(inAlpha.stdout.hasPrefix("key: \(stream.key.hex)\nnamespace: alpha\nmodel: \(CommandFixtures.haiku)\n"))

        let twice = try await CommandRunner.run(["show", capital.key.prefix, "--store", layout.spec])
        #expect(twice.status == 1)
        #expect(twice.stderrLines.first?.hasPrefix("tapedeck show: key prefix \(capital.key.prefix) is ambiguous: 2 cassettes") == true)
        #expect(twice.stderrLines.count == 3)

        let shared = try await CommandRunner.run(["show", capital.key.prefix, "--namespace", "", "--store", layout.spec])
        #expect(shared.stdout.hasPrefix("key: \(capital.key.hex)\nmodel: "))
        let beta = try await CommandRunner.run(["show", capital.key.prefix, "--store", layout.spec("beta")])
        #expect(beta.stdout.hasPrefix("key: \(capital.key.hex)\nnamespace: beta\nmodel: "))
    }
}
