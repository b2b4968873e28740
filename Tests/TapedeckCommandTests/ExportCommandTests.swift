import Testing
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck export` from the real binary: a copy into a second JSON directory, idempotent, with progress.
@Suite struct ExportCommandTests {
    @Test func copiesEveryCassetteAndTheUsageCountsIntoAnotherStore() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (source, copy) = (scratch("source"), scratch("copy"))
        try CommandFixtures.store(at: source)
        let result = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: source)
        #expect(result.status == 0)
        try Golden.check(Golden.masked(result.stdout, [source: "<SOURCE>", copy: "<COPY>"]), "export")
        // stderr is a pipe here, so no progress: the summary on stdout is all.
        #expect(result.stderr == "")
        #expect(try CommandRunner.files(copy) == CommandRunner.files(source))
    }

    @Test func exportingTwiceChangesNothing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (source, copy) = (scratch("source"), scratch("copy"))
        try CommandFixtures.store(at: source)
        _ = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: source)
        let first = try CommandRunner.files(copy)
        let again = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: source)
        #expect(again.status == 0)
        try Golden.check(Golden.masked(again.stdout, [source: "<SOURCE>", copy: "<COPY>"]), "export-again")
        #expect(try CommandRunner.files(copy) == first)
    }

    @Test func aChangedCassetteIsCopiedOverAndAnUnreadableOneReportedWithExitOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (source, copy) = (scratch("source"), scratch("copy"))
        let cassettes = try CommandFixtures.store(at: source)
        var older = cassettes[0]
        older.recordedAt = "2024-01-01T00:00:00Z"
        try JSONFileStore(directory: copy).save(older)
        let broken = JSONFileStore(directory: source).path(for: cassettes[1].key)
        try CassetteFixtures.write(Array("not json".utf8), to: broken)
        let result = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: source)
        #expect(result.status == 1)
        #expect(result.stdout == "exported 4 cassettes to json:\(copy)\n")
        #expect(result.stderrLines.contains { $0.hasPrefix("tapedeck export: cannot read \(broken): invalid JSON") })
        #expect(try JSONFileStore(directory: copy).load(cassettes[0].key)?.recordedAt == cassettes[0].recordedAt)
        #expect(try JSONFileStore(directory: copy).count() == 4)
    }

    @Test func mergingUsageAddsOnlyWhatTheDestinationLacks() {
        let (a, b, c) = (CassetteFixtures.cassette("a").key, CassetteFixtures.cassette("b").key, CassetteFixtures.cassette("c").key)
        let source = UsageCounts(
            hits: [a: .init(count: 5, lastHitAt: 100), b: .init(count: 2, lastHitAt: 300), c: .init(count: 9, lastHitAt: 50)],
            misses: ["m": 4, "n": 1])
        let destination = UsageCounts(hits: [a: .init(count: 3, lastHitAt: 200), b: .init(count: 2, lastHitAt: 100)], misses: ["m": 6])
        let missing = StoreCopier.missingUsage(source: source, destination: destination, keys: [a, b])
        #expect(missing == UsageCounts(hits: [a: .init(count: 2, lastHitAt: 100), b: .init(count: 0, lastHitAt: 300)], misses: ["n": 1]))
        var merged = destination
        merged.add(missing)
        #expect(StoreCopier.missingUsage(source: source, destination: merged, keys: [a, b]).isEmpty)
    }

    @Test(arguments: [
        (["export"], "tapedeck export: needs --to STORE, the store to copy into"),
        (["export", "--to", "backup"], #"tapedeck export: --to: unknown store "backup""#),
        (["export", "--to", ""], "tapedeck export: --to must name a store such as json:DIR"),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(line))
        #expect(result.stderrLines.count == 1)
    }
}

/// `export` from a store with cassettes in the shared namespace and in two namespaces into the other kind of store.
@Suite struct ExportNamespaceTests {
    /// Keys and usage counts of namespace `name` of the store `spec` names.
    private func contents(_ spec: String, _ name: String) throws -> ([String], UsageCounts) {
        (try NamespaceFixtures.keys(spec, name), try StoreLocation.open(spec).namespace(name).usage())
    }

    @Test(arguments: StoreKind.allCases)
    func everyNamespaceLandsInTheSameNamespace(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let target = StoreKind.allCases.first { $0 != kind }!.spec(in: scratch.path)
        let result = try await CommandRunner.run(["export", "--to", target, "--store", layout.spec])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "exported 6 cassettes across 3 namespaces to \(target)\n")
        #expect(try StoreLocation.open(target).namespaces() == NamespaceFixtures.names)
        for name in [""] + NamespaceFixtures.names {
            let (keys, usage) = try contents(target, name)
            #expect(keys == layout.cassettes[name]!.map(\.key.hex).sorted(), "namespace \(name)")
            #expect(usage == (try contents(layout.spec, name).1), "namespace \(name)'s counts")
        }
        let again = try await CommandRunner.run(["export", "--to", target, "--store", layout.spec])
        #expect(again.stdout == "exported 0 cassettes across 3 namespaces to \(target); 6 already there\n")
    }

    @Test(arguments: StoreKind.allCases)
    func oneNamespaceGoesIntoItsOwnNameOrTheOneTheTargetNames(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let target = StoreKind.allCases.first { $0 != kind }!.spec(in: scratch.path)
        let alpha = try await CommandRunner.run(["export", "--to", target, "--store", layout.spec("alpha")])
        #expect(alpha.status == 0, "\(alpha.stderr)")
        #expect(alpha.stdout == "exported 2 cassettes to \(target) (namespace alpha)\n")
        #expect(try StoreLocation.open(target).namespaces() == ["alpha"])
        #expect(try NamespaceFixtures.keys(target, "").isEmpty, "not into the target's shared namespace")

        let shared = try await CommandRunner.run(["export", "--namespace", "", "--to", "\(target)#kept", "--store", layout.spec])
        #expect(shared.stdout == "exported 2 cassettes to \(target) (namespace kept)\n")
        #expect(try NamespaceFixtures.keys(target, "kept") == layout.cassettes[""]!.map(\.key.hex).sorted())

        let several = try await CommandRunner.run(["export", "--to", "\(target)#one", "--store", layout.spec])
        #expect(several.status == 2)
        #expect(several.stderr == "tapedeck export: --to \(target)#one names one namespace, but \(layout.spec) has several: (shared), alpha, beta; pick the one to copy with --store \(layout.spec)#NAME or --namespace NAME\n")
        #expect(try StoreLocation.open(target).namespaces() == ["alpha", "kept"])
    }
}
