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

/// `rm` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct RmNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func findsAKeyInAnyNamespaceAndAsksWhichWhenItIsInSeveral(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let (tools, capital) = (layout.cassettes["alpha"]![0], layout.cassettes[""]![0])

        let inAlpha = try await CommandRunner.run(["rm", tools.key.prefix, "--store", layout.spec])
        #expect(inAlpha.status == 0, "\(inAlpha.stderr)")
        #expect(inAlpha.stdout == "removed \(tools.key.hex) (namespace alpha)\n")
        #expect(try NamespaceFixtures.keys(layout.spec, "alpha") == [layout.cassettes["alpha"]![1].key.hex])

        let twice = try await CommandRunner.run(["rm", capital.key.prefix, "--store", layout.spec])
        #expect(twice.status == 1)
        #expect(twice.stdout == "")
        #expect(twice.stderrLines.first == "tapedeck rm: key prefix \(capital.key.prefix) is ambiguous: 2 cassettes in \(layout.spec) match across 2 namespaces; choose a namespace with --namespace NAME (\"\" for the shared one):")
        #expect(twice.stderrLines.dropFirst().map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            == ["\(capital.key.hex) (shared)", "\(capital.key.hex) beta"])
        #expect(try NamespaceFixtures.keys(layout.spec, "beta").contains(capital.key.hex), "nothing removed")

        let beta = try await CommandRunner.run(["rm", capital.key.prefix, "--namespace", "beta", "--store", layout.spec])
        #expect(beta.stdout == "removed \(capital.key.hex) (namespace beta)\n")
        #expect(try NamespaceFixtures.keys(layout.spec, "").contains(capital.key.hex))
        let shared = try await CommandRunner.run(["rm", capital.key.prefix, "--store", layout.spec])
        #expect(shared.status == 0)
        #expect(shared.stdout == "removed \(capital.key.hex)\n")
        #expect(try NamespaceFixtures.keys(layout.spec, "") == [layout.cassettes[""]![1].key.hex])
    }
}
