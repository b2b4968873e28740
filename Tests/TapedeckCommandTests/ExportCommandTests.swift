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
