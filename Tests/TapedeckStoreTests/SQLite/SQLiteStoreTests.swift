import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct SQLiteStoreTests {
    /// What loading `key` did: the `.corrupt` location, or a description of anything else.
    private func corruptLocation(_ store: SQLiteStore, _ key: CacheKey) -> String {
        do {
            let loaded = try store.load(key)
            return "loaded \(loaded == nil ? "nil" : "a cassette")"
        } catch {
            guard case .corrupt(let path, _) = error else { return "unexpected \(error)" }
            return path
        }
    }

    @Test func everyKindOfCassetteRoundTripsAndLoadsAsFromAJSONFileStore() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let files = JSONFileStore(directory: scratch("json"))
        let kinds = SQLiteFixtures.everyKind
        #expect(Set(kinds.map(\.key)).count == kinds.count)
        #expect(kinds.contains { $0.response.events?.contains { $0.payload["p"] != nil } == true })
        for cassette in kinds {
            try store.save(cassette)
            try files.save(cassette)
        }
        for cassette in kinds {
            let loaded = try #require(try store.load(cassette.key))
            #expect(loaded == CassetteFixtures.asLoaded(cassette))
            #expect(try files.load(cassette.key) == loaded)
        }
        let numbers = try #require(try store.load(SQLiteFixtures.bigNumbers.key)?.response.body?["usage"])
        #expect(numbers["inputTokens"] == .number("123456789012345678901234567890"))
        #expect(numbers["totalTokens"] == .number("1E+300"))
        #expect(numbers["ratio"] == .number("0.10"))
        #expect(try store.count() == kinds.count)
    }

    @Test func aRowHoldsTheCompactSortedDocumentBesideItsColumns() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let cassette = SQLiteFixtures.sample(SampleInteractions.streamedHaiku)
        try SQLiteStore(path: path).save(cassette)
        let rows = try SQLiteFixtures.rows("SELECT key, model_id, operation, recorded_at, document, hits, last_hit_at FROM cassettes", on: path)
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(Array(row[0..<4]) == [cassette.key.hex, SampleInteractions.haiku, "converse-stream", "2026-11-25T17:04:05Z"])
        #expect(Array(row[5...]) == ["0", "0"])
        // The pretty file's bytes without its whitespace: same member order, same escapes.
        #expect(row[4] == String(decoding: JSONWriter.compact(try JSONParser.parse(cassette.encoded())), as: UTF8.self))
        #expect(row[4].hasPrefix(#"{"format":1,"key":""#))
        #expect(!row[4].contains("\n"))
    }

    @Test func anEmptyOrMissingKeyLoadsNilAndCountsZero() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        #expect(try store.load(CassetteFixtures.cassette().key) == nil)
        #expect(try store.count() == 0)
        #expect(try store.entries() == [])
        #expect(try store.remove(CassetteFixtures.cassette().key) == false)
        #expect(store.description == "sqlite:\(SQLiteFixtures.path(scratch))")
        #expect(FileManager.default.fileExists(atPath: SQLiteFixtures.path(scratch)))
    }

    @Test func overwritingReplacesTheCassetteAndKeepsItsHits() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        var cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        try store.addUsage(UsageCounts(hits: [cassette.key: .init(count: 3, lastHitAt: 1_700_000_000)]))
        cassette.recordedAt = "2027-01-02T03:04:05Z"
        cassette.upstreamLatencyMs = 98765
        cassette.response.content = .body(CassetteFixtures.responseBody("a new answer"))
        try store.save(cassette)
        #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
        #expect(try store.count() == 1)
        #expect(try store.usage().hits == [cassette.key: .init(count: 3, lastHitAt: 1_700_000_000)])
        let recordedAt = try SQLiteFixtures.text("SELECT recorded_at FROM cassettes", on: SQLiteFixtures.path(scratch))
        #expect(recordedAt == "2027-01-02T03:04:05Z")
    }

    @Test func removeDeletesOnlyThatCassette() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let kept = CassetteFixtures.cassette("kept")
        let gone = CassetteFixtures.cassette("gone")
        try store.save(kept)
        try store.save(gone)
        #expect(try store.remove(gone.key))
        #expect(try store.remove(gone.key) == false)
        #expect(try store.load(gone.key) == nil)
        #expect(try store.load(kept.key) == CassetteFixtures.asLoaded(kept))
        #expect(try store.entries().map(\.key) == [kept.key])
    }

    @Test func entriesAreSortedByKeyAndNameTheirRows() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassettes = (0..<12).map { CassetteFixtures.cassette("entry \($0)") }
        for cassette in cassettes { try store.save(cassette) }
        let entries = try store.entries()
        #expect(entries.map(\.key) == cassettes.map(\.key).sorted { $0.hex < $1.hex })
        #expect(entries.allSatisfy { $0.location == "\(path)#\($0.key.hex)" })
        #expect(try store.count() == 12)
        // Rows whose key no lookup can reach are neither counted nor listed, as stray files are not in a JSON store.
        let hex = cassettes[0].key.hex
        for bad in [hex.uppercased(), String(hex.dropLast()), hex + "0", "not a key", ""] {
            try SQLiteFixtures.execute(
                "INSERT INTO cassettes(key, model_id, operation, recorded_at, document) VALUES(\(SQLiteFixtures.quoted(bad)), 'm', 'converse', 't', '{}')",
                on: path)
        }
        #expect(try store.count() == 12)
        #expect(try store.entries() == entries)
    }

    @Test(arguments: ["", "not json", "[]", "{\"format\": 1,}", "{\"a\":1} {\"b\":2}", "{}"])
    func aRowThatIsNotACassetteIsCorruptNamingTheRow(_ document: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        try SQLiteFixtures.execute("UPDATE cassettes SET document = \(SQLiteFixtures.quoted(document))", on: path)
        #expect(corruptLocation(store, cassette.key) == "\(path)#\(cassette.key.hex)")
        let error = #expect(throws: CassetteError.self) { try store.load(cassette.key) }
        #expect(error?.description.hasPrefix("corrupt cassette \(path)#\(cassette.key.hex): ") == true)
        // Still listed: entries name every row, readable or not.
        #expect(try store.entries().map(\.key) == [cassette.key])
    }

    @Test func aRowHoldingAnotherKeysDocumentIsCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let mine = CassetteFixtures.cassette("mine")
        let theirs = CassetteFixtures.cassette("theirs")
        try store.save(theirs)
        try SQLiteFixtures.execute("UPDATE cassettes SET key = '\(mine.key.hex)'", on: path)
        #expect(corruptLocation(store, mine.key) == "\(path)#\(mine.key.hex)")
        let error = #expect(throws: CassetteError.self) { try store.load(mine.key) }
        #expect(error?.description.contains("it holds key \(theirs.key.hex), not the key its row says") == true)
    }

    @Test func aNewerCassetteFormatIsNotCalledCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        try SQLiteFixtures.execute(#"UPDATE cassettes SET document = replace(document, '"format":1', '"format":3')"#, on: path)
        let error = #expect(throws: CassetteError.self) { try store.load(cassette.key) }
        guard case .newerFormat(let location, let format)? = error else {
            Issue.record("expected newerFormat, got \(String(describing: error))")
            return
        }
        #expect(location == "\(path)#\(cassette.key.hex)")
        #expect(format == 3)
        #expect(error?.isNewerFormat == true)
    }

    @Test func concurrentSavesAndLoadsOnOneStoreAllLand() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let threads = 8, perThread = 25
        let barrier = Barrier(parties: threads)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thread in 0..<threads {
                group.addTask {
                    try await onOwnThread {
                        barrier.arriveAndWait()
                        for index in 0..<perThread {
                            let cassette = CassetteFixtures.cassette("t\(thread) i\(index)")
                            try store.save(cassette)
                            guard try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette) else {
                                throw CassetteError.malformed("t\(thread) i\(index) did not read back")
                            }
                            _ = try store.count()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!barrier.timedOut)
        #expect(try store.count() == threads * perThread)
    }

    @Test func sqliteSpecsOpenAsSQLiteStores() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try StoreLocation.open("sqlite:\(path)")
        let sqlite = try #require(store as? SQLiteStore)
        #expect(sqlite.path == path)
        #expect(store.description == "sqlite:\(path)")
    }

    @Test func aMissingDirectoryIsNotCreatedAndTheErrorNamesTheFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch("not/there/tapes.db")
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .database(let named, let cause)? = error else {
            Issue.record("expected a database error, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(cause.code == 14)
        #expect(cause.context == "open \(path)")
        #expect(error?.description == "store \(path): open \(path): unable to open database file: No such file or directory (SQLite code 14)")
        #expect(CassetteFixtures.tree(scratch.path).isEmpty)
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndKept() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let bytes = Array(String(repeating: "these are notes, not a database\n", count: 64).utf8)
        try CassetteFixtures.write(bytes, to: path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .foreignFile(let named, let reason)? = error else {
            Issue.record("expected foreignFile, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(reason == "it is not a SQLite database")
        #expect(try CassetteFixtures.read(path) == bytes)
        #expect(CassetteFixtures.tree(scratch.path) == ["tapes.db"])
    }
}
