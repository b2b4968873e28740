import Foundation
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
    /// Answered means stored: a miss's answer waits for its cassette's write, and the cassette is in the store when
    /// the client has the answer. Meanwhile the recording answers from memory (here a ConverseStream request for
    /// the same conversation, which does not join the Converse call's flight).
    @Test func aMissIsAnsweredOnceItsCassetteIsStoredAndMeanwhileTheRecordingAnswersRepeats() throws {
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
        let missClient = try RawClient(port: server.port)
        try missClient.send("POST", ProxyHarness.haikuPath, headers: [], body: Array(ProxyHarness.helloBody.utf8))
        // The write waits at the gate: upstream has answered, the client has nothing yet.
        #expect(waitUntil { origin.requests.count == 1 && engine.writers.unfinishedCount == 1 })
        let streamPath = ProxyHarness.haikuPath.replacingOccurrences(of: "/converse", with: "/converse-stream")
        let early = try RawClient(port: server.port).exchange("POST", streamPath, headers: [], body: Array(ProxyHarness.helloBody.utf8))
        #expect(early.headers["x-tapedeck"] == "hit", "the recording being written answers from memory")
        #expect(try store.inner.count() == 0)
        #expect(origin.requests.count == 1)

        store.gate.open()
        let miss = try #require(try missClient.readResponse())
        #expect(miss.headers["x-tapedeck"] == "miss")
        // The client has its answer: the cassette is in the store.
        #expect(try store.inner.count() == 1)
        let late = try RawClient(port: server.port).exchange("POST", ProxyHarness.haikuPath, headers: [], body: Array(ProxyHarness.helloBody.utf8))
        #expect(late.headers["x-tapedeck"] == "hit")
        #expect(origin.requests.count == 1)
        engine.finishRecordings()
    }

    /// A spooled stream is not held in `pending`, but its answer still waits for the write: every frame arrives,
    /// the stream's last chunk only once the cassette is in the store (here one that writes whole documents, as
    /// stores without a streaming write do: the spool is read back and saved as any cassette).
    @Test func aSpooledStreamsLastChunkLeavesOnceItsCassetteIsStored() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let store = SlowStore(JSONFileStore(directory: scratch("cassettes")))
        let upstream = UpstreamClient()
        defer { upstream.shutdown() }
        var configuration = ProxyConfiguration(upstream: origin.baseURL)
        configuration.spoolThresholdBytes = 0
        configuration.spoolDirectory = scratch.path
        let engine = ProxyEngine(configuration: configuration, store: store, upstream: upstream, log: ProcessLog(enabled: false))
        let server = HTTPServer(configuration: .init(port: 0, eventLoops: 1), handler: engine)
        try server.start()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST", StreamFrames.streamPath, headers: [("Content-Type", "application/json")],
                        body: Array(EchoOrigin.requestBody("spooled").utf8))
        let frames = EchoOrigin.streamFrames("spooled").flatMap { $0 }
        _ = try client.readHead()
        var received: [UInt8] = []
        while received.count < frames.count, let chunk = try client.readChunk() { received += chunk }
        #expect(received == frames)
        // Every frame is here; the write waits at the gate, so the stream has not ended and nothing is stored.
        #expect(waitUntil { engine.writers.unfinishedCount == 1 })
        #expect(try store.inner.count() == 0)

        store.gate.open()
        #expect(try client.readChunk() == nil, "the stream's last chunk")
        #expect(try store.inner.count() == 1)
        engine.finishRecordings()
        #expect(CassetteFixtures.tree(scratch.path).allSatisfy { $0.hasPrefix("cassettes") }, "no spool file beside the store")
    }
}
