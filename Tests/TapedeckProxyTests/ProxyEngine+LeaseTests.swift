import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// A flight leader and the store's lease, with the other process played by the test: it plants a lease as that
/// process would, then records (or not) and lets go. The proxy's own log line says when it is waiting.
@Suite struct ProxyEngineLeaseTests {
    static let waitingLine = "waiting for another process's recording"

    /// The cache key of `ProxyHarness.helloBody` sent to Haiku.
    static var helloKey: CacheKey {
        get throws { try CacheKey.derive(modelId: ProxyHarness.haiku, body: try JSONParser.parse(Array(ProxyHarness.helloBody.utf8))) }
    }

    /// What the other process records for the hello request: an answer the test origin never gives.
    static func elsewhereCassette() throws -> Cassette {
        Cassette(
            key: try helloKey, operation: .converse, modelId: ProxyHarness.haiku,
            request: try JSONParser.parse(Array(ProxyHarness.helloBody.utf8)),
            response: RecordedResponse(status: 200, contentType: "application/json", body: CassetteFixtures.responseBody("recorded elsewhere")),
            upstreamLatencyMs: 5, recordedAt: Timestamp.now())
    }

    /// Sends the hello request on a thread of its own, at once.
    static func sendHello(_ proxy: ProxyHarness) -> Started<RawResponse> {
        Started { try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }
    }

    /// Whether the proxy logs that it waits for another process.
    ///
    /// The tests block instead of awaiting: while the client waits for its answer, the test must go on without
    /// needing a free thread of Swift's small pool, which other tests' blocking waits can hold for longer.
    static func waitsForAnother(_ proxy: ProxyHarness) -> Bool {
        waitUntil { proxy.logLines().contains { $0.contains(waitingLine) } }
    }

    @Test(arguments: StoreKind.allCases)
    func aFlightWaitsForAnotherProcessesRecordingAndIsAnsweredFromItAsAHit(_ kind: StoreKind) throws {
        let proxy = try ProxyHarness(storeKind: kind, logging: true)
        defer { proxy.stop() }
        let spec = kind.spec(in: proxy.directory)
        let held = LeaseFixtures.lease(try Self.helloKey, owner: LeaseFixtures.liveOwner)
        try LeaseFixtures.plant(held, in: spec)

        let answer = Self.sendHello(proxy)
        #expect(Self.waitsForAnother(proxy), "\(proxy.logLines())")
        #expect(proxy.origin.requests.isEmpty)
        // The other process records, then lets go.
        let other = try StoreLocation.open(spec)
        try other.save(try Self.elsewhereCassette())
        try other.releaseLease(held)

        let response = try answer.wait()
        #expect(response.status == 200)
        #expect(response.headers["x-tapedeck"] == "hit")
        #expect(String(decoding: response.body, as: UTF8.self).contains("recorded elsewhere"))
        #expect(proxy.origin.requests.isEmpty)
        #expect(try LeaseFixtures.count(in: spec) == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func aLeaseLetGoWithoutARecordingSendsTheFlightUpstreamItself(_ kind: StoreKind) throws {
        let proxy = try ProxyHarness(storeKind: kind, logging: true)
        defer { proxy.stop() }
        let spec = kind.spec(in: proxy.directory)
        let held = LeaseFixtures.lease(try Self.helloKey, owner: LeaseFixtures.liveOwner)
        try LeaseFixtures.plant(held, in: spec)

        let answer = Self.sendHello(proxy)
        #expect(Self.waitsForAnother(proxy), "\(proxy.logLines())")
        try StoreLocation.open(spec).releaseLease(held)

        let response = try answer.wait()
        #expect(response.status == 200)
        #expect(response.headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 1)
        #expect(try StoreLocation.open(spec).load(try Self.helloKey) != nil)
        #expect(try LeaseFixtures.count(in: spec) == 0, "the recording's own lease is let go once it is written")
    }

    @Test(arguments: StoreKind.allCases)
    func aDeadProcessesLeaseIsTakenOverAtOnce(_ kind: StoreKind) throws {
        let proxy = try ProxyHarness(storeKind: kind, logging: true)
        defer { proxy.stop() }
        let spec = kind.spec(in: proxy.directory)
        try LeaseFixtures.plant(LeaseFixtures.lease(try Self.helloKey, owner: try LeaseFixtures.deadOwner()), in: spec)

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.status == 200)
        #expect(response.headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 1)
        #expect(!proxy.logLines().contains { $0.contains(Self.waitingLine) })
        #expect(try LeaseFixtures.count(in: spec) == 0)
    }

    @Test func passthroughNeitherWaitsNorTakesALease() throws {
        let proxy = try ProxyHarness(mode: .passthrough, logging: true)
        defer { proxy.stop() }
        let spec = StoreKind.json.spec(in: proxy.directory)
        let held = LeaseFixtures.lease(try Self.helloKey, owner: LeaseFixtures.liveOwner)
        try LeaseFixtures.plant(held, in: spec)

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.headers["x-tapedeck"] == "passthrough")
        #expect(proxy.origin.requests.count == 1)
        #expect(!proxy.logLines().contains { $0.contains(Self.waitingLine) })
        #expect(try StoreLocation.open(spec).acquireLease(try Self.helloKey, staleAfterMs: 60_000) == .heldByAnother(held))
    }

    @Test func recordModeAfterAWaitAnswersWithTheNewRecordingNotTheOldOne() throws {
        let proxy = try ProxyHarness(mode: .record, logging: true)
        defer { proxy.stop() }
        let spec = StoreKind.json.spec(in: proxy.directory)
        let other = try StoreLocation.open(spec)
        var old = try Self.elsewhereCassette()
        old.recordedAt = "2020-01-01T00:00:00Z"
        old.response = RecordedResponse(status: 200, contentType: "application/json", body: CassetteFixtures.responseBody("old answer"))
        try other.save(old)
        let held = LeaseFixtures.lease(try Self.helloKey, owner: LeaseFixtures.liveOwner)
        try LeaseFixtures.plant(held, in: spec)

        let answer = Self.sendHello(proxy)
        #expect(Self.waitsForAnother(proxy), "\(proxy.logLines())")
        try other.save(try Self.elsewhereCassette())
        try other.releaseLease(held)

        let response = try answer.wait()
        #expect(response.headers["x-tapedeck"] == "hit")
        #expect(String(decoding: response.body, as: UTF8.self).contains("recorded elsewhere"))
        #expect(proxy.origin.requests.isEmpty)
    }
}
