import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct MissLeaseTests {
    static let key = CassetteFixtures.cassette().key

    @Test func aFreshLeaseIsThisProcessesNowWithAFreshToken() {
        let before = MissLease.nowMs()
        let one = MissLease.fresh(Self.key), two = MissLease.fresh(Self.key)
        #expect(one.owner == .current)
        #expect(one.isShared)
        #expect(one.acquiredAtMs >= before && one.acquiredAtMs <= MissLease.nowMs())
        #expect(one.token != two.token)
        #expect(!MissLease.fresh(Self.key, shared: false).isShared)
    }

    @Test func aLiveOwnersLeaseIsStaleOnlyPastTheBound() {
        let lease = LeaseFixtures.lease(Self.key, owner: LeaseFixtures.liveOwner, ageMs: 5_000)
        #expect(!lease.isStale(nowMs: lease.acquiredAtMs + 5_000, staleAfterMs: 10_000))
        #expect(!lease.isStale(nowMs: lease.acquiredAtMs + 10_000, staleAfterMs: 10_000))
        #expect(lease.isStale(nowMs: lease.acquiredAtMs + 10_001, staleAfterMs: 10_000))
        // A clock stepped far back makes a lease look as if from the future: that too ends at the bound.
        #expect(lease.isStale(nowMs: lease.acquiredAtMs - 10_001, staleAfterMs: 10_000))
    }

    @Test func aDeadOwnersLeaseIsStaleAtOnce() throws {
        let lease = LeaseFixtures.lease(Self.key, owner: try LeaseFixtures.deadOwner())
        #expect(lease.isStale(staleAfterMs: 3_600_000))
    }

    @Test func anotherHostsLeaseIsStaleOnlyByAge() {
        let lease = LeaseFixtures.lease(Self.key, owner: LeaseFixtures.elsewhereOwner)
        #expect(!lease.isStale(staleAfterMs: 3_600_000))
        #expect(lease.isStale(nowMs: lease.acquiredAtMs + 3_600_001, staleAfterMs: 3_600_000))
    }

    @Test func itsJSONRoundTrips() throws {
        let lease = LeaseFixtures.lease(Self.key, owner: LeaseFixtures.elsewhereOwner, ageMs: 12)
        let bytes = JSONWriter.compact(lease.jsonValue)
        #expect(try MissLease(json: try JSONParser.parse(bytes)) == lease)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"key":"\#(Self.key.hex)","pid":1,"startTicks":1,"#))
    }

    @Test(arguments: [#"{}"#, #"{"key":"nope","pid":1,"startTicks":1,"bootId":"","host":"","token":"t","acquiredAtMs":1}"#, #"[1]"#])
    func aMalformedLeaseIsRefused(_ text: String) throws {
        let json = try JSONParser.parse(Array(text.utf8))
        #expect(throws: CassetteError.self) { try MissLease(json: json) }
    }
}
