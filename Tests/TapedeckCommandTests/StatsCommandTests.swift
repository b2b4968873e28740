import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck stats` from the real binary: the built-in prices, a --prices file, and JSON.
@Suite struct StatsCommandTests {
    @Test func tallyPerModelWithBuiltInPrices() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("stats", store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        try Golden.check(result.stdout, "stats")
        // capital: 40 hits × (21 in, 5 out); stream: 3 × (17, 22); both at $0.80 / $4.00 per million.
        let haikuLine = result.stdout.split(separator: "\n").first { $0.hasPrefix(CommandFixtures.haiku) }
        #expect(haikuLine?.split(separator: " ").dropFirst() == ["2", "43", "4", "891", "266", "0.0018"], "\(haikuLine ?? "")")
    }

    @Test func jsonCarriesTheSameFigures() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("stats", ["--json"], store: scratch.path)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "stats-json")
        let json = try JSONParser.parse(result.stdout)
        #expect(json["total"]?["hits"]?.numberLiteral == "62")
        let mistral = json["models"]?.arrayValue?.first { $0["model"]?.stringValue == CommandFixtures.mistral }
        #expect(mistral?["savedUSD"] == .null)
    }

    /// Counts at the limit of Int in a hand-edited usage file made the sums and hits × tokens products trap;
    /// they now stop at Int.max.
    @Test func countsAtTheLimitOfIntAreReportedNotACrash() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        var usage = CommandFixtures.usage(cassettes)
        usage.hits[cassettes[0].key]?.count = .max
        usage.misses[CommandFixtures.haiku] = .max
        try CassetteFixtures.write(JSONWriter.pretty(usage.jsonValue), to: JSONFileStore(directory: scratch.path).usagePath)
        let result = try await CommandRunner.run("stats", ["--json"], store: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout)
        #expect(json["total"]?["hits"]?.numberLiteral == "9223372036854775807")
        #expect(json["total"]?["misses"]?.numberLiteral == "9223372036854775807")
    }

    @Test func aPricesFileOverridesAndExtendsTheTable() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = scratch("store")
        try CommandFixtures.store(at: store)
        let prices = scratch("prices.json")
        try CassetteFixtures.write(Array(#"""
            {"mistral.mistral-large-2407-v1:0": {"input": 2.0, "output": 6.0},
             "us.anthropic.claude-3-5-haiku-20241022-v1:0": {"input": 1000, "output": 0}}
            """#.utf8), to: prices)
        let result = try await CommandRunner.run("stats", ["--prices", prices], store: store)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "stats-prices")
        #expect(!result.stdout.contains("no price for"))
    }

    @Test(arguments: [
        (#"{"m": {"input": 1}}"#, #"--prices <FILE>: "m" needs "input" and "output" as US$ per million tokens, e.g. {"input": 3.0, "output": 15.0}"#),
        (#"{"m": {"input": -1, "output": 1}}"#, #"--prices <FILE>: "m" needs "input" and "output" as US$ per million tokens, e.g. {"input": 3.0, "output": 15.0}"#),
        (#"[1]"#, #"--prices <FILE> must hold a JSON object such as {"<model id>": {"input": 3.0, "output": 15.0}}"#),
        (#"{"m": "#, "--prices <FILE>: invalid JSON at byte 6: "),
    ])
    func aBadPricesFileExitsOne(_ text: String, _ message: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let prices = scratch("prices.json")
        try CassetteFixtures.write(Array(text.utf8), to: prices)
        let result = try await CommandRunner.run("stats", ["--prices", prices], store: scratch("store"))
        #expect(result.status == 1)
        #expect(Golden.masked(result.stderr, [prices: "<FILE>"]).hasPrefix("tapedeck stats: " + message), "\(result.stderr)")
        #expect(result.stdout == "")
    }

    @Test func aMissingPricesFileExitsOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let result = try await CommandRunner.run("stats", ["--prices", scratch("nope.json")], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stderr == "tapedeck stats: --prices \(scratch("nope.json")): no such file\n")
    }
}

/// `stats` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct StatsNamespaceTests {
    /// The `total` object's cassettes, hits and misses.
    private func totals(_ stdout: String) throws -> [String] {
        let total = try JSONParser.parse(stdout)["total"]
        return ["cassettes", "hits", "misses"].map { total?[$0]?.numberLiteral ?? "?" }
    }

    @Test(arguments: StoreKind.allCases)
    func countsCassettesHitsAndMissesOfEveryNamespace(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let all = try await CommandRunner.run(["stats", "--json", "--store", layout.spec])
        #expect(all.status == 0, "\(all.stderr)")
        let hits = layout.hits.values.joined().reduce(0, +)
        let misses = layout.misses.values.flatMap(\.values).reduce(0, +)
        #expect(try totals(all.stdout) == ["6", String(hits), String(misses)])
        let haiku = try JSONParser.parse(all.stdout)["models"]?.arrayValue?.first { $0["model"]?.stringValue == CommandFixtures.haiku }
        #expect(haiku?["cassettes"]?.numberLiteral == "3", "the capital question in two namespaces and the stream in alpha")
        #expect(haiku?["hits"]?.numberLiteral == "50")

        let alpha = try await CommandRunner.run(["stats", "--json", "--namespace", "alpha", "--store", layout.spec])
        #expect(try totals(alpha.stdout) == ["2", "8", "1"])
        let shared = try await CommandRunner.run(["stats", "--json", "--namespace", "", "--store", layout.spec])
        #expect(try totals(shared.stdout) == ["2", "52", "4"])
        let table = try await CommandRunner.run(["stats", "--store", layout.spec])
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("total ") && $0.split(separator: " ")[1] == "6" })
    }
}
