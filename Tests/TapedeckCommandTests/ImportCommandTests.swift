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
