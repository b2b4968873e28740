import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// A store whose saves wait at a gate, to see what the proxy does while a recording is still being written.
final class SlowStore: CassetteStore, @unchecked Sendable {
    let inner: JSONFileStore
    let gate = Gate()
    init(_ inner: JSONFileStore) { self.inner = inner }
    var description: String { inner.description }
    var isReadOnly: Bool { inner.isReadOnly }
    func load(_ key: CacheKey) throws(CassetteError) -> Cassette? { try inner.load(key) }
    func encode(_ cassette: Cassette) -> [UInt8] { inner.encode(cassette) }
    func save(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) {
        gate.wait()
        try inner.save(cassette, encoded: encoded)
    }
    func count() throws(CassetteError) -> Int { try inner.count() }
    func entries() throws(CassetteError) -> [StoreEntry] { try inner.entries() }
    func remove(_ key: CacheKey) throws(CassetteError) -> Bool { try inner.remove(key) }
    func addUsage(_ batch: UsageCounts) throws(CassetteError) { try inner.addUsage(batch) }
    func usage() throws(CassetteError) -> UsageCounts { try inner.usage() }
    func namespace(_ name: String) throws(CassetteError) -> CassetteStore { try inner.namespace(name) }
    func namespaces() throws(CassetteError) -> [String] { try inner.namespaces() }
    func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? { try inner.version(of: key) }
}

@Suite struct PendingRecordingTests {
    @Test func aMissIsAnsweredBeforeItsCassetteIsWrittenAndARepeatIsAnIdenticalHit() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let origin = try TestOrigin(handler: BedrockOrigin().handler)
        defer { origin.stop() }
        let store = SlowStore(JSONFileStore(directory: scratch.path))
        let upstream = UpstreamClient()
        defer { upstream.shutdown() }
        let engine = ProxyEngine(configuration: ProxyConfiguration(upstream: origin.baseURL), store: store,
                                 upstream: upstream, log: ProcessLog(enabled: false))
        let server = HTTPServer(configuration: .init(port: 0, eventLoops: 1), handler: engine)
        try server.start()
        defer { server.shutdown() }
        func ask() throws -> RawResponse {
            try RawClient(port: server.port).exchange("POST", ProxyHarness.haikuPath, headers: [], body: Array(ProxyHarness.helloBody.utf8))
        }
        let miss = try ask()
        #expect(miss.headers["x-tapedeck"] == "miss", "answered while the save still waits")
        #expect(try store.inner.count() == 0)
        let early = try ask()
        #expect(early.headers["x-tapedeck"] == "hit", "the pending recording answers")
        store.gate.open()
        engine.finishRecordings()
        #expect(try store.inner.count() == 1)
        let late = try ask()
        #expect(late.headers["x-tapedeck"] == "hit")
        #expect(late.body == early.body, "a hit before and after the write is byte-identical")
        #expect(origin.requests.count == 1)
    }
}
