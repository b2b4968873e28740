import CSQLite
import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct SQLiteDatabaseTests {
    @Test func theStoreRunsInWALModeWithNormalSync() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        func pragma(_ sql: String) throws -> String? {
            try store.locked { statements throws(SQLiteError) in try statements.database.text(sql) }
        }
        #expect(try pragma("PRAGMA journal_mode") == "wal")
        // synchronous is per connection: 1 is NORMAL.
        #expect(try pragma("PRAGMA synchronous") == "1")
        #expect(try pragma("PRAGMA busy_timeout") == "10000")
        // WAL is a property of the file: a fresh connection sees it too.
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "wal")
    }

    @Test func statementsAreCompiledOnceWhenTheStoreOpens() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let compiled = store.preparedStatementCount
        let handles = try store.locked { statements in
            [statements.load, statements.save, statements.count, statements.addHits].map(\.handle)
        }
        for round in 0..<20 {
            let cassette = CassetteFixtures.cassette("round \(round)")
            try store.save(cassette)
            _ = try store.load(cassette.key)
            _ = try store.count()
            _ = try store.entries()
            try store.addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: round)], misses: ["m": 1]))
            _ = try store.usage()
            if round % 2 == 0 { _ = try store.remove(cassette.key) }
        }
        #expect(store.preparedStatementCount == compiled)
        // Four transaction statements and eleven store statements.
        #expect(compiled == 15)
        let after = try store.locked { statements in
            [statements.load, statements.save, statements.count, statements.addHits].map(\.handle)
        }
        #expect(after == handles)
        #expect(try store.count() == 10)
    }

    @Test func aFailedTransactionRollsBackAndTheConnectionCarriesOn() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let database = try SQLiteDatabase(path: SQLiteFixtures.path(scratch))
        try database.execute("CREATE TABLE t(v TEXT NOT NULL)")
        let insert = try database.prepare("INSERT INTO t VALUES(?1)")
        let error = #expect(throws: SQLiteError.self) {
            try database.writeTransaction { () throws(SQLiteError) in
                try insert.use { insert throws(SQLiteError) in
                    try insert.bind("kept until the failure", at: 1)
                    try insert.run()
                }
                // No binding: NULL into a NOT NULL column.
                try insert.use { insert throws(SQLiteError) in try insert.run() }
            }
        }
        #expect(error?.code == SQLITE_CONSTRAINT)
        // SQLITE_CONSTRAINT_NOTNULL, a macro Swift cannot import.
        #expect(error?.extendedCode == SQLITE_CONSTRAINT | (5 << 8))
        #expect(error?.message == "NOT NULL constraint failed: t.v")
        #expect(error?.context == "INSERT INTO t VALUES(?1)")
        #expect(error?.description == "INSERT INTO t VALUES(?1): NOT NULL constraint failed: t.v (SQLite code 19, extended 1299)")
        #expect(database.isAutocommit)
        #expect(try database.integer("SELECT count(*) FROM t") == 0)
        try database.writeTransaction { () throws(SQLiteError) in
            try insert.use { insert throws(SQLiteError) in
                try insert.bind("", at: 1)
                try insert.run()
            }
        }
        #expect(try database.integer("SELECT count(*) FROM t WHERE v = ''") == 1)
    }

    @Test func bindingsKeepEveryByteOfTextAndBlobs() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let database = try SQLiteDatabase(path: SQLiteFixtures.path(scratch))
        try database.execute("CREATE TABLE t(v)")
        let insert = try database.prepare("INSERT INTO t VALUES(?1)")
        let read = try database.prepare("SELECT v, typeof(v) FROM t")
        let text = "nul \u{0} inside, emoji 😀, combining é"
        let blob: [UInt8] = [0, 255, 1, 0, 128]
        enum Value { case text(String), blob([UInt8]), integer(Int64) }
        for value in [Value.text(text), .blob(blob), .blob([]), .integer(Int64.min)] {
            try insert.use { insert throws(SQLiteError) in
                switch value {
                case .text(let text): try insert.bind(text, at: 1)
                case .blob(let bytes): try insert.bind(blob: bytes, at: 1)
                case .integer(let number): try insert.bind(number, at: 1)
                }
                try insert.run()
            }
        }
        let rows = try read.use { read throws(SQLiteError) in
            var rows: [([UInt8], String, Int64)] = []
            while try read.step() { rows.append((read.bytes(at: 0), read.text(at: 1), read.int64(at: 0))) }
            return rows
        }
        #expect(rows.map(\.1) == ["text", "blob", "blob", "integer"])
        #expect(rows[0].0 == Array(text.utf8))
        #expect(rows[1].0 == blob)
        #expect(rows[2].0 == [])
        #expect(rows[3].2 == Int64.min)
    }

    @Test func aWriteWaitsForAnotherConnectionsLockInsteadOfFailing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette()
        let (waited, outcome) = try await onOwnThread { () throws -> (Bool, String) in
            let holder = try SQLiteDatabase(path: path)
            try holder.execute("BEGIN IMMEDIATE")
            let done = DispatchSemaphore(value: 0)
            let outcome = Mutex("not finished")
            Thread {
                do {
                    try store.save(cassette)
                    outcome.withLock { $0 = "saved" }
                } catch {
                    outcome.withLock { $0 = "\(error)" }
                }
                done.signal()
            }.start()
            // Without a busy timeout the save would fail at once with SQLITE_BUSY.
            let waited = done.wait(timeout: .now() + 0.3) == .timedOut
            try holder.execute("COMMIT")
            done.wait()
            return (waited, outcome.withLock { $0 })
        }
        #expect(waited)
        #expect(outcome == "saved")
        #expect(try store.load(cassette.key) != nil)
    }

    @Test func errorsMatchTheirPrimaryAndExtendedCodes() {
        let error = SQLiteError(extendedCode: 517, message: "database is locked", context: "COMMIT")
        #expect(error.code == 5)
        #expect(error.description == "COMMIT: database is locked (SQLite code 5, extended 517)")
        #expect(SQLiteError(extendedCode: 5, message: "m", context: "c").description == "c: m (SQLite code 5)")
        switch error {
        case 5: break
        default: Issue.record("SQLITE_BUSY should match its extended code")
        }
        switch error {
        case 517: break
        default: Issue.record("SQLITE_BUSY_SNAPSHOT should match exactly")
        }
        #expect(!(6 ~= error))
        let wrapped = CassetteError.database(path: "t.db", error: error)
        #expect(wrapped.description == "store t.db: COMMIT: database is locked (SQLite code 5, extended 517)")
    }

    @Test func anOpenOrIOFailureSaysWhichSystemErrorCausedIt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: scratch("absent/tapes.db")) }
        #expect(error?.code == SQLITE_CANTOPEN)
        #expect(error?.systemErrno == ENOENT)
        #expect(error?.description.contains("unable to open database file: No such file or directory (SQLite code 14") == true, "\(String(describing: error))")
        let io = SQLiteError(extendedCode: 778, message: "disk I/O error", context: "COMMIT", systemErrno: EFBIG)
        let multiLine = SQLiteError(extendedCode: 8, message: "attempt to write a readonly database", context: "INSERT INTO t\n    VALUES(?1)")
        #expect(multiLine.description == "INSERT INTO t VALUES(?1): attempt to write a readonly database (SQLite code 8)")
        #expect(io.description == "COMMIT: disk I/O error: File too large (SQLite code 10, extended 778)")
    }

    @Test func readOnlyOpensTakeThePathLiterallyThoughTheyGoThroughAURI() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch("we?ird #1 100% é&x=y.db")
        try SQLiteFixtures.execute("CREATE TABLE t(x); PRAGMA user_version = 42;", on: path)
        #expect(SQLiteDatabase.uriPath("/a b/c?d#e%f") == "///a%20b/c%3Fd%23e%25f")
        #expect(SQLiteDatabase.uriPath("rel/é.db") == "rel/%C3%A9.db")
        for access in [SQLiteDatabase.Access.readOnly, .immutable] {
            let database = try SQLiteDatabase(path: path, access: access)
            #expect(try database.userVersion() == 42, "\(access) opened the file named, not another")
            #expect(database.isReadOnly)
            #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO t VALUES(1)") }
        }
        #expect(CassetteFixtures.tree(scratch.path) == ["we?ird #1 100% é&x=y.db"], "no other file was created")
    }
}
