import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck prune` from the real binary, on a store with old cassettes and one recorded now.
@Suite struct PruneCommandTests {
    /// 2021-06-01T00:00:00Z.
    static let longAgo = 1_622_505_600

    /// Three cassettes from 2020 (never hit, hit a day ago, hit in 2021) and one recorded now.
    @discardableResult
    private func store(at directory: String) throws -> (neverHit: Cassette, hitRecently: Cassette, hitLongAgo: Cassette, fresh: Cassette) {
        let model = CommandFixtures.haiku
        let neverHit = try CommandFixtures.chat(model, "Old and never hit", "A.", tokens: (5, 1), recordedAt: "2020-01-01T00:00:00Z")
        let hitRecently = try CommandFixtures.chat(model, "Old but hit yesterday", "B.", tokens: (5, 1), recordedAt: "2020-01-02T00:00:00Z")
        let hitLongAgo = try CommandFixtures.chat(model, "Old and hit long ago", "C.", tokens: (5, 1), recordedAt: "2020-01-03T00:00:00Z")
        let fresh = try CommandFixtures.chat(model, "Recorded just now", "D.", tokens: (5, 1), recordedAt: Timestamp.now())
        let store = JSONFileStore(directory: directory)
        for cassette in [neverHit, hitRecently, hitLongAgo, fresh] { try store.save(cassette) }
        try store.addUsage(UsageCounts(hits: [
            hitRecently.key: .init(count: 7, lastHitAt: Timestamp.nowSeconds() - 86_400),
            hitLongAgo.key: .init(count: 2, lastHitAt: Self.longAgo),
        ]))
        return (neverHit, hitRecently, hitLongAgo, fresh)
    }

    @Test func dryRunListsWhatWouldGoAndRemovesNothing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try store(at: scratch.path)
        let before = try CommandRunner.files(scratch.path)
        let result = try await CommandRunner.run("prune", ["--older-than", "30d", "--dry-run"], store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        try Golden.check(result.stdout, "prune-older-than-dry-run")
        #expect(try CommandRunner.files(scratch.path) == before)
    }

    @Test func olderThanRemovesCassettesRecordedBeforeTheCutoff() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try store(at: scratch.path)
        let result = try await CommandRunner.run("prune", ["--older-than", "30d"], store: scratch.path)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "prune-older-than")
        #expect(try JSONFileStore(directory: scratch.path).entries().map(\.key) == [cassettes.fresh.key])
    }

    @Test func unusedForJudgesByTheLastHitOrTheRecordingWhenNeverHit() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try store(at: scratch.path)
        let result = try await CommandRunner.run("prune", ["--unused-for", "720h"], store: scratch.path)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "prune-unused-for")
        let left = Set(try JSONFileStore(directory: scratch.path).entries().map(\.key))
        #expect(left == [cassettes.hitRecently.key, cassettes.fresh.key])
    }

    /// A last-hit time of Int.min in a hand-edited usage file made `now - lastHit` trap; it is simply very old.
    @Test func aLastHitAtTheLimitOfIntIsVeryOldNotACrash() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try store(at: scratch.path)
        let store = JSONFileStore(directory: scratch.path)
        var usage = try store.usage()
        usage.hits[cassettes.hitRecently.key]?.lastHitAt = .min
        try CassetteFixtures.write(JSONWriter.pretty(usage.jsonValue), to: store.usagePath)
        let result = try await CommandRunner.run("prune", ["--unused-for", "720h", "--dry-run"], store: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(cassettes.hitRecently.key.prefix), "\(result.stdout)")
    }

    @Test func aLongSpanPrunesNothing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try store(at: scratch.path)
        let result = try await CommandRunner.run("prune", ["--older-than", "36500d"], store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stdout == "pruned 0 of 4 cassettes (recorded more than 36500d ago)\n")
    }

    @Test(arguments: [
        (["prune"], "tapedeck prune: needs --older-than AGE or --unused-for AGE, e.g. --older-than 30d"),
        (["prune", "--older-than", "30d", "--unused-for", "1d"], "tapedeck prune: give either --older-than or --unused-for, not both"),
        (["prune", "--older-than", "30"], #"tapedeck prune: --older-than must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not "30""#),
        (["prune", "--unused-for", "-1d"], #"tapedeck prune: --unused-for must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not "-1d""#),
        (["prune", "--older-than", "1w"], #"tapedeck prune: --older-than must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not "1w""#),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr == line + "\n")
    }
}

/// `prune` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct PruneNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func prunesInEveryNamespaceNamingEachAndCountingAll(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let dry = try await CommandRunner.run(["prune", "--older-than", "1d", "--dry-run", "--store", layout.spec])
        #expect(dry.status == 0, "\(dry.stderr)")
        let named = ["", "alpha", "beta"].flatMap { name in
            (layout.cassettes[name] ?? []).map { "would prune \($0.key.hex)\(name.isEmpty ? "" : " (namespace \(name))")  recorded \($0.recordedAt)" }
        }
        #expect(dry.stdout.split(separator: "\n").map(String.init) == named
            + ["would prune 6 of 6 cassettes across 3 namespaces (recorded more than 1d ago); nothing removed (--dry-run)"])
        #expect(try NamespaceFixtures.keys(layout.spec, "alpha").count == 2)

        let beta = try await CommandRunner.run(["prune", "--older-than", "1d", "--namespace", "beta", "--store", layout.spec])
        #expect(beta.stdout.hasSuffix("pruned 2 of 2 cassettes (recorded more than 1d ago)\n"))
        #expect(try NamespaceFixtures.keys(layout.spec, "beta").isEmpty)
        #expect(try NamespaceFixtures.keys(layout.spec, "").count == 2)

        let rest = try await CommandRunner.run(["prune", "--older-than", "1d", "--store", layout.spec])
        #expect(rest.status == 0)
        #expect(rest.stdout.contains("pruned \(layout.cassettes["alpha"]![0].key.hex) (namespace alpha)  recorded "))
        #expect(rest.stdout.hasSuffix("pruned 4 of 4 cassettes across 2 namespaces (recorded more than 1d ago)\n"))
        #expect(try StoreLocation.open(layout.spec).namespaces().isEmpty)
        #expect(try NamespaceFixtures.keys(layout.spec, "").isEmpty)
    }
}
