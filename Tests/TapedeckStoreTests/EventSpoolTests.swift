import Foundation
import Glibc
import Testing
import TapedeckCodec
import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// A spooled recording is stored byte for byte as the store would have encoded it whole, in both stores, and its
/// file never shows in the temporary directory.
@Suite struct EventSpoolTests {
    /// A spool in `directory` holding `events`, in `store`'s layout.
    static func spool(_ events: [StreamEvent], for store: CassetteStore, in directory: String) throws -> EventSpool {
        let spool = try EventSpool(layout: store.layout, directory: directory)
        for event in events { try spool.append(event) }
        return spool
    }

    /// The store of `kind` in `scratch`.
    static func store(_ kind: StoreKind, in scratch: ScratchDirectory) throws -> CassetteStore {
        try StoreLocation.open(kind.spec(in: scratch.path))
    }

    /// The spool's whole document.
    static func document(_ spool: EventSpool, _ cassette: Cassette) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try spool.document(cassette) { piece in bytes.append(contentsOf: piece) }
        return bytes
    }

    @Test(arguments: StoreKind.allCases)
    func theSpooledDocumentIsTheStoresEncoding(kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("spool"))
        let store = try Self.store(kind, in: scratch)
        for count in 0...CassetteLayoutTests.events.count {
            let events = Array(CassetteLayoutTests.events.prefix(count))
            let cassette = CassetteLayoutTests.streamCassette(events)
            let spool = try Self.spool(events, for: store, in: scratch("spool"))
            #expect(try Self.document(spool, cassette) == store.encode(cassette), "\(count) events")
            #expect(spool.documentSize(cassette) == store.encode(cassette).count)
            #expect(spool.count == count)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSpooledSaveStoresTheBytesAWholeSaveWould(kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("spool"))
        // Enough events that the spool writes several times and reads back in several pieces.
        let big = String(repeating: "é😀\"\\\t", count: 20_000)
        let events = CassetteLayoutTests.events + (0..<40).map { index in
            StreamEvent(type: "contentBlockDelta", payload: .object([
                JSONMember("delta", .object([JSONMember("text", .string("\(index) \(big)"))])),
                JSONMember("contentBlockIndex", .number("0")),
            ]), offsetMs: 50 + index)
        }
        let whole = CassetteLayoutTests.streamCassette(events)
        let store = try Self.store(kind, in: scratch)
        let spool = try Self.spool(events, for: store, in: scratch("spool"))
        var framed = whole
        framed.response.content = .events([])
        _ = try store.saveVisible(framed, spooled: spool)

        let loaded = try #require(try store.load(whole.key))
        #expect(store.encode(loaded) == store.encode(whole))
        #expect(try Self.storedBytes(store, key: whole.key) == store.encode(whole))
        #expect(CassetteFixtures.tree(scratch("spool")).isEmpty)
    }

    @Test func theSpoolFileHasNoNameFromTheStart() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let spool = try EventSpool(layout: .pretty, directory: scratch.path)
        try spool.append(CassetteLayoutTests.events[0])
        try spool.flush()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        #expect(spool.byteCount == CassetteLayout.pretty.element(CassetteLayoutTests.events[0]).count)
    }

    @Test func aSpoolInADirectoryThatIsNotThereSaysWhere() throws {
        let error = #expect(throws: CassetteError.self) { try EventSpool(layout: .pretty, directory: "/nonexistent/tapedeck") }
        guard case .io(let path, let cause)? = error else { return }
        #expect(path == "/nonexistent/tapedeck")
        #expect(cause.errno == ENOENT)
    }

    @Test func aFailedSpooledWriteLeavesNoFileBehind() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("spool"))
        let store = JSONFileStore(directory: scratch("cassettes"))
        let cassette = CassetteLayoutTests.streamCassette()
        // The cassette's shard directory is a file: the store cannot write there.
        try FileIO.makeDirectories(scratch("cassettes"))
        try CassetteFixtures.write([1], to: scratch("cassettes/\(cassette.key.hex.prefix(2))"))
        let spool = try Self.spool(CassetteLayoutTests.events, for: store, in: scratch("spool"))
        #expect(throws: CassetteError.self) { try store.saveVisible(cassette, spooled: spool) }
        #expect(CassetteFixtures.tree(scratch("spool")).isEmpty)
        #expect(CassetteFixtures.tree(scratch("cassettes")) == ["\(cassette.key.hex.prefix(2))"])
    }

    /// What the store holds for `key`: the file's bytes, or the row's `document`.
    static func storedBytes(_ store: CassetteStore, key: CacheKey) throws -> [UInt8]? {
        if let json = store as? JSONFileStore { return try CassetteFixtures.read(json.path(for: key)) }
        let sqlite = try #require(store as? SQLiteStore)
        return try SQLiteFixtures.text("SELECT document FROM cassettes WHERE key = '\(key.hex)'", on: sqlite.path).map { Array($0.utf8) }
    }
}
