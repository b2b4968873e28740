import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck import` from the real binary: back from an exported copy, into an empty store, usage merged.
@Suite struct ImportCommandTests {
    @Test func importingAnExportBackLeavesIdenticalFiles() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (home, copy) = (scratch("home"), scratch("copy"))
        try CommandFixtures.store(at: home)
        let before = try CommandRunner.files(home)
        let exported = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: home)
        #expect(exported.status == 0)
        let result = try await CommandRunner.run("import", ["--from", "json:\(copy)"], store: home)
        #expect(result.status == 0)
        try Golden.check(Golden.masked(result.stdout, [home: "<HOME>", copy: "<COPY>"]), "import-back")
        #expect(try CommandRunner.files(home) == before)
        #expect(try CommandRunner.files(copy) == before)
    }

    @Test func jsonToSQLiteAndBackGivesIdenticalJSONFiles() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (home, back) = (scratch("home"), scratch("back"))
        let database = "sqlite:\(scratch.path)/team.sqlite"
        let cassettes = try CommandFixtures.store(at: home)
        let before = try CommandRunner.files(home)
        let exported = try await CommandRunner.run("export", ["--to", database], store: home)
        #expect(exported.status == 0)
        let listed = try await CommandRunner.run(["ls", "--store", database, "--json"])
        #expect(listed.status == 0)
        #expect(try JSONParser.parse(listed.stdout).arrayValue?.count == cassettes.count)
        let imported = try await CommandRunner.run("import", ["--from", database], store: back)
        #expect(imported.status == 0)
        #expect(try CommandRunner.files(back) == before, "JSON → SQLite → JSON gives back the same files, usage included")
        let again = try await CommandRunner.run("export", ["--to", database], store: home)
        #expect(again.status == 0)
        #expect(try CommandRunner.files(home) == before)
        let verified = try await CommandRunner.run(["verify", "--store", database])
        #expect(verified.status == 0)
    }

    @Test func importingIntoAnEmptyStoreCopiesEverything() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (origin, fresh) = (scratch("origin"), scratch("fresh"))
        try CommandFixtures.store(at: origin)
        let result = try await CommandRunner.run("import", ["--from", "json:\(origin)"], store: fresh)
        #expect(result.status == 0)
        try Golden.check(Golden.masked(result.stdout, [origin: "<ORIGIN>", fresh: "<FRESH>"]), "import")
        // stderr is a pipe here, so no progress: the summary on stdout is all.
        #expect(result.stderr == "")
        #expect(try CommandRunner.files(fresh) == CommandRunner.files(origin))
    }

    @Test func newerHitsComeAcrossWithoutCountingTwice() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (home, copy) = (scratch("home"), scratch("copy"))
        let cassettes = try CommandFixtures.store(at: home)
        _ = try await CommandRunner.run("export", ["--to", "json:\(copy)"], store: home)
        try JSONFileStore(directory: copy).addUsage(UsageCounts(hits: [cassettes[0].key: .init(count: 10, lastHitAt: CommandFixtures.lastHit + 60)]))
        for _ in 0..<2 {
            let result = try await CommandRunner.run("import", ["--from", "json:\(copy)"], store: home)
            #expect(result.status == 0)
            #expect(result.stdout == "imported 0 cassettes from json:\(copy); 5 already there\n")
        }
        let hits = try JSONFileStore(directory: home).usage().hits[cassettes[0].key]
        #expect(hits == UsageCounts.Hits(count: 50, lastHitAt: CommandFixtures.lastHit + 60))
    }

    @Test(arguments: [
        (["import"], "tapedeck import: needs --from STORE, the store to copy from"),
        (["import", "--from", "sqlite"], #"tapedeck import: --from: unknown store "sqlite""#),
        (["import", "--from", "json:a", "b"], #"tapedeck import: unexpected argument "b" (see tapedeck import --help)"#),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(line))
        #expect(result.stderrLines.count == 1)
    }
}

/// `import` from a store with cassettes in the shared namespace and in two namespaces into the other kind of store.
@Suite struct ImportNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func everyNamespaceLandsInTheSameNamespaceAndOneIntoTheNameTheStoreGives(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let other = StoreKind.allCases.first { $0 != kind }!
        let target = other.spec(in: scratch.path)
        let all = try await CommandRunner.run(["import", "--from", layout.spec, "--store", target])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout == "imported 6 cassettes across 3 namespaces from \(layout.spec)\n")
        for name in [""] + NamespaceFixtures.names {
            #expect(try NamespaceFixtures.keys(target, name) == layout.cassettes[name]!.map(\.key.hex).sorted(), "namespace \(name)")
            #expect(try StoreLocation.open(target).namespace(name).usage() == StoreLocation.open(layout.spec).namespace(name).usage())
        }

        let second = other == .json ? "json:\(scratch("second"))" : "sqlite:\(scratch("second.db"))"
        let beta = try await CommandRunner.run(["import", "--from", layout.spec("beta"), "--store", "\(second)#gamma"])
        #expect(beta.status == 0, "\(beta.stderr)")
        #expect(beta.stdout == "imported 2 cassettes from \(layout.spec) (namespace beta)\n")
        #expect(try StoreLocation.open(second).namespaces() == ["gamma"])
        #expect(try NamespaceFixtures.keys(second, "gamma") == layout.cassettes["beta"]!.map(\.key.hex).sorted())
    }
}
