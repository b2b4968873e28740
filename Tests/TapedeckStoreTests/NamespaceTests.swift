import Glibc
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct NamespaceTests {
    /// Names that could reach outside a store, hide, or not be one plain path segment.
    static let refused = [
        "..", ".", "../x", "a/b", "/abs", "a\u{0}b", ".hidden", String(repeating: "n", count: 129), "", "a b",
        "café", "名前", "a\\b", "tab\there", "x\n",
    ]

    /// Names that must work, the longest allowed and one shaped like a shard directory among them.
    static let accepted = ["test_login-1.v2", String(repeating: "n", count: 128), "A", "B", "a..b", "-", "0f"]

    /// The two kinds of store, each opened in a scratch directory of its own.
    enum Kind: String, CaseIterable, Sendable {
        case json, sqlite

        /// The store of this kind inside `scratch`, seen through the shared namespace.
        func open(_ scratch: ScratchDirectory) throws -> CassetteStore {
            switch self {
            case .json: JSONFileStore(directory: scratch("store"))
            case .sqlite: try SQLiteStore(path: scratch("tapes.db"))
            }
        }
    }

    @Test(arguments: refused)
    func validateRefusesUnsafeNames(_ name: String) {
        guard case .failure(let error) = Namespace.validate(name) else {
            Issue.record("\(String(reflecting: name)) was accepted")
            return
        }
        #expect(!error.reason.isEmpty)
        #expect(error.description == error.reason)
    }

    @Test(arguments: accepted)
    func validateAcceptsPlainNames(_ name: String) {
        #expect(Namespace.validate(name) == .success(name))
    }

    @Test func theLimitIsExactly128Characters() {
        #expect(Namespace.maxLength == 128)
        #expect(Namespace.validate(String(repeating: "x", count: 128)) == .success(String(repeating: "x", count: 128)))
        #expect(Namespace.validate(String(repeating: "x", count: 129))
                == .failure(NamespaceError("namespace is 129 characters; the limit is 128")))
    }

    @Test(arguments: Kind.allCases)
    func storesRefuseInvalidNamesThemselves(_ kind: Kind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try kind.open(scratch)
        let before = CassetteFixtures.tree(scratch.path)
        for name in Self.refused where !name.isEmpty {
            let error = #expect(throws: CassetteError.self) { try store.namespace(name) }
            guard case .invalidNamespace(let named, let reason)? = error, case .failure(let why) = Namespace.validate(name) else {
                Issue.record("expected invalidNamespace for \(String(reflecting: name)), got \(String(describing: error))")
                continue
            }
            #expect(named == name)
            #expect(reason == why.reason)
        }
        #expect(CassetteFixtures.tree(scratch.path) == before, "refusing a name creates nothing")
    }

    @Test func anInvalidNameIsShownEscaped() {
        let error = CassetteError.invalidNamespace(name: "a\u{0}b\n", reason: "namespace may hold only letters")
        #expect(error.description == #"invalid namespace "a\0b\n": namespace may hold only letters"#)
    }

    @Test(arguments: Kind.allCases)
    func theSameKeyHoldsADifferentCassetteInEachNamespace(_ kind: Kind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let shared = try kind.open(scratch)
        let a = try shared.namespace("A"), b = try shared.namespace("B")
        let inShared = CassetteFixtures.cassette("same", answer: "shared")
        let inA = CassetteFixtures.cassette("same", answer: "in A")
        let inB = CassetteFixtures.cassette("same", answer: "in B")
        #expect(inShared.key == inA.key && inA.key == inB.key)
        let key = inShared.key
        try shared.save(inShared)
        try a.save(inA)
        try b.save(inB)
        #expect(try shared.load(key) == CassetteFixtures.asLoaded(inShared))
        #expect(try a.load(key) == CassetteFixtures.asLoaded(inA))
        #expect(try b.load(key) == CassetteFixtures.asLoaded(inB))
        // Names are the store's whichever view is asked; "" is the shared namespace.
        #expect(try a.namespace("B").load(key) == CassetteFixtures.asLoaded(inB))
        #expect(try b.namespace("").load(key) == CassetteFixtures.asLoaded(inShared))
        #expect(try shared.namespace("").load(key) == CassetteFixtures.asLoaded(inShared))
        #expect(try shared.namespace("C").load(key) == nil)
        // A view is only a way of looking: a fresh open sees the same.
        #expect(try kind.open(scratch).namespace("A").load(key) == CassetteFixtures.asLoaded(inA))
    }

    @Test(arguments: Kind.allCases)
    func countsEntriesUsageAndRemovalStayInTheirNamespace(_ kind: Kind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let shared = try kind.open(scratch)
        let a = try shared.namespace("A"), b = try shared.namespace("B")
        let x = CassetteFixtures.cassette("x"), y = CassetteFixtures.cassette("y"), z = CassetteFixtures.cassette("z")
        try shared.save(x)
        try shared.save(y)
        try a.save(x)
        try a.save(z)
        #expect(try shared.count() == 2)
        #expect(try a.count() == 2)
        #expect(try b.count() == 0)
        #expect(Set(try shared.entries().map(\.key)) == [x.key, y.key])
        #expect(Set(try a.entries().map(\.key)) == [x.key, z.key])
        #expect(try b.entries() == [])
        #expect(try shared.namespaces() == ["A"])

        try shared.addUsage(UsageCounts(hits: [x.key: .init(count: 3, lastHitAt: 30)], misses: ["m": 1]))
        try a.addUsage(UsageCounts(hits: [x.key: .init(count: 1, lastHitAt: 10), z.key: .init(count: 2, lastHitAt: 20)],
                                   misses: ["m": 5, "n": 1]))
        #expect(try shared.usage() == UsageCounts(hits: [x.key: .init(count: 3, lastHitAt: 30)], misses: ["m": 1]))
        #expect(try a.usage() == UsageCounts(
            hits: [x.key: .init(count: 1, lastHitAt: 10), z.key: .init(count: 2, lastHitAt: 20)], misses: ["m": 5, "n": 1]))
        #expect(try b.usage() == UsageCounts())

        #expect(try a.remove(x.key))
        #expect(try !a.remove(x.key))
        #expect(try !shared.remove(z.key), "z is only in A")
        #expect(try shared.load(x.key) == CassetteFixtures.asLoaded(x))
        #expect(try a.load(z.key) == CassetteFixtures.asLoaded(z))
        #expect(try shared.count() == 2)
        #expect(try a.count() == 1)

        try b.save(y)
        #expect(try shared.namespaces() == ["A", "B"])
        #expect(try a.namespaces() == ["A", "B"], "every view lists the store's namespaces")
        #expect(try b.remove(y.key))
        #expect(try shared.namespaces() == ["A"], "a namespace with no cassette left is not listed")
    }

    @Test func jsonNamespacesLiveInsideTheStoreDirectoryAndOutOfTheSharedOne() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let directory = scratch("store")
        let store = JSONFileStore(directory: directory)
        let cassette = CassetteFixtures.cassette()
        let hex = cassette.key.hex
        for name in Self.accepted {
            let namespace = try store.namespace(name)
            try namespace.save(cassette)
            try namespace.addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: 1)], misses: ["m": 1]))
            #expect(namespace.description == "json:\(directory) (namespace \(name))")
            #expect(try namespace.entries() == [StoreEntry(key: cassette.key, location: "\(directory)/namespaces/\(name)/\(hex.prefix(2))/\(hex).json")])
        }
        for name in Self.refused where !name.isEmpty {
            #expect(throws: CassetteError.self) { try store.namespace(name) }
        }
        #expect(try store.count() == 0, "the shared store holds none of them, not even in namespace 0f")
        #expect(try store.entries() == [])
        #expect(try store.usage() == UsageCounts())
        #expect(try store.namespaces() == Self.accepted.sorted())

        // Walked from the store directory's parent: everything written is inside the store directory, each
        // namespace's files in its own directory.
        var expected = ["store", "store/namespaces"]
        for name in Self.accepted {
            let base = "store/namespaces/\(name)"
            expected += [base, "\(base)/\(hex.prefix(2))", "\(base)/\(hex.prefix(2))/\(hex).json",
                         "\(base)/.tapedeck-usage.json", "\(base)/.tapedeck-usage.lock"]
        }
        #expect(CassetteFixtures.tree(scratch.path) == expected.sorted())
    }

    @Test func jsonNamespacesListsOnlyValidDirectoriesWithCassettes() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch("store"))
        let cassette = CassetteFixtures.cassette()
        try store.namespace("kept").save(cassette)
        try FileIO.makeDirectories(scratch("store/namespaces/empty"))
        // Hand-made: a hidden directory holding a cassette, a name with a space, and a stray file.
        for name in [".hidden", "a b"] {
            let hand = JSONFileStore(directory: scratch("store/namespaces/\(name)"))
            try hand.save(cassette)
        }
        try CassetteFixtures.write(Array("not a namespace".utf8), to: scratch("store/namespaces/stray"))
        #expect(try store.namespaces() == ["kept"])
        #expect(try store.count() == 0)
    }

    @Test func aJSONStoreWhoseNamespacesIsAFileHasNoneAndCannotMakeOne() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        try CassetteFixtures.write(Array("a file".utf8), to: scratch("namespaces"))
        let cassette = CassetteFixtures.cassette()
        #expect(try store.namespaces() == [])
        let view = try store.namespace("A")
        #expect(try view.load(cassette.key) == nil)
        #expect(throws: CassetteError.self) { try view.save(cassette) }
        #expect(try CassetteFixtures.read(scratch("namespaces")) == Array("a file".utf8))
    }

    @Test func jsonViewsReportTheirDirectories() throws {
        let store = JSONFileStore(directory: "/srv/tapes/")
        let view = try store.namespaceStore("A")
        #expect(view.root == "/srv/tapes")
        #expect(view.directory == "/srv/tapes/namespaces/A")
        #expect(view.namespaceName == "A")
        #expect(view.usagePath == "/srv/tapes/namespaces/A/.tapedeck-usage.json")
        #expect(store.description == "json:/srv/tapes")
        #expect(try view.namespaceStore("").description == "json:/srv/tapes")
        #expect(try JSONFileStore(directory: "/").namespaceStore("A").directory == "/namespaces/A")
    }

    @Test func sqliteViewsShareOneConnectionAndItsStatements() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let compiled = store.preparedStatementCount
        let a = try store.namespaceStore("A")
        let cassette = CassetteFixtures.cassette()
        try a.save(cassette)
        _ = try a.load(cassette.key)
        try a.addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: 1)], misses: ["m": 1]))
        _ = try a.usage()
        _ = try a.entries()
        _ = try store.namespaces()
        #expect(a.preparedStatementCount == compiled)
        #expect(store.preparedStatementCount == compiled)
        #expect(a.description == "sqlite:\(path) (namespace A)")
        #expect(try a.entries() == [StoreEntry(key: cassette.key, location: "\(path)#A/\(cassette.key.hex)")])
        let rows = try SQLiteFixtures.rows("SELECT namespace, key, hits FROM cassettes", on: path)
        #expect(rows == [["A", cassette.key.hex, "1"]])
        #expect(try SQLiteFixtures.rows("SELECT namespace, model_id, count FROM misses", on: path) == [["A", "m", "1"]])
    }

    @Test func anSQLiteViewOutlivesTheStoreItCameFrom() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let view = try SQLiteStore(path: SQLiteFixtures.path(scratch)).namespace("A")
        try view.save(cassette)
        #expect(try view.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
    }

    @Test func sqliteNamespacesLeavesOutHandWrittenNamesItWouldRefuse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette()
        try store.namespace("ok").save(cassette)
        try SQLiteFixtures.execute("""
            INSERT INTO cassettes(namespace, key, model_id, operation, recorded_at, document)
            SELECT '../up', key, model_id, operation, recorded_at, document FROM cassettes;
            """, on: path)
        #expect(try store.namespaces() == ["ok"])
        #expect(try store.count() == 0)
    }
}
