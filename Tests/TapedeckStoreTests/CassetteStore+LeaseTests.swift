import Dispatch
import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// The lease API, the same for both stores: one holder at a time, release, stale takeover, namespaces, and leases
/// never counted as cassettes.
@Suite struct CassetteStoreLeaseTests {
    static let bound: Int64 = 60_000
    static let cassette = CassetteFixtures.cassette()
    static var key: CacheKey { cassette.key }

    /// A store of `kind` in `scratch`, opened as serve opens it.
    static func open(_ kind: StoreKind, _ scratch: ScratchDirectory) throws -> CassetteStore {
        try StoreLocation.open(kind.spec(in: scratch.path))
    }

    static func acquired(_ result: LeaseResult, sourceLocation: SourceLocation = #_sourceLocation) -> MissLease? {
        guard case .acquired(let lease) = result else {
            Issue.record("expected the lease, got \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return lease
    }

    static func holder(_ result: LeaseResult, sourceLocation: SourceLocation = #_sourceLocation) -> MissLease? {
        guard case .heldByAnother(let lease) = result else {
            Issue.record("expected the lease to be held, got \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return lease
    }

    @Test(arguments: StoreKind.allCases)
    func oneAcquisitionHoldsItUntilReleased(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try Self.open(kind, scratch)
        let first = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(first.isShared)
        #expect(first.owner == .current)
        // A second acquisition, even from this process, waits: the store knows only leases, not flights.
        let seen = try #require(Self.holder(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(seen.token == first.token)
        // Another process's view of the same store sees it too.
        let other = try Self.open(kind, scratch)
        #expect(Self.holder(try other.acquireLease(Self.key, staleAfterMs: Self.bound))?.token == first.token)
        try store.releaseLease(first)
        #expect(try LeaseFixtures.count(in: kind.spec(in: scratch.path)) == 0)
        let second = try #require(Self.acquired(try other.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(second.token != first.token)
        try other.releaseLease(second)
    }

    @Test(arguments: StoreKind.allCases, [false, true])
    func manyTakersAtOnceLeaveExactlyOneHolder(_ kind: StoreKind, overADeadOwner: Bool) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        _ = try StoreLocation.open(spec)
        if overADeadOwner { try LeaseFixtures.plant(LeaseFixtures.lease(Self.key, owner: try LeaseFixtures.deadOwner()), in: spec) }
        let takers = 8
        // A store of its own each, as each process has.
        let stores = try (0..<takers).map { _ in try StoreLocation.open(spec) }
        let results = Mutex<[LeaseResult]>([])
        let failures = Mutex<[String]>([])
        let start = Barrier(parties: takers)
        let group = DispatchGroup()
        for store in stores {
            group.enter()
            Thread {
                defer { group.leave() }
                start.arriveAndWait()
                do {
                    let result = try store.acquireLease(Self.key, staleAfterMs: Self.bound)
                    results.withLock { $0.append(result) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        let granted = results.withLock { $0 }.compactMap { result -> MissLease? in
            if case .acquired(let lease) = result { return lease }
            return nil
        }
        #expect(granted.count == 1)
        let holders = results.withLock { $0 }.compactMap { result -> String? in
            if case .heldByAnother(let lease) = result { return lease.token }
            return nil
        }
        #expect(holders.count == takers - 1)
        #expect(Self.holder(try StoreLocation.open(spec).acquireLease(Self.key, staleAfterMs: Self.bound))?.token == granted.first?.token)
        #expect(try LeaseFixtures.count(in: spec) == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func differentKeysAreLeasedApart(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try Self.open(kind, scratch)
        let other = CassetteFixtures.cassette("another question").key
        let one = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        let two = try #require(Self.acquired(try store.acquireLease(other, staleAfterMs: Self.bound)))
        #expect(try LeaseFixtures.count(in: kind.spec(in: scratch.path)) == 2)
        try store.releaseLease(one)
        try store.releaseLease(two)
        #expect(try LeaseFixtures.count(in: kind.spec(in: scratch.path)) == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func aLiveProcessesLeaseIsHeldAndADeadOnesIsTakenOver(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let store = try Self.open(kind, scratch)
        let live = LeaseFixtures.lease(Self.key, owner: LeaseFixtures.liveOwner)
        try LeaseFixtures.plant(live, in: spec)
        #expect(Self.holder(try store.acquireLease(Self.key, staleAfterMs: Self.bound)) == live)

        let dead = LeaseFixtures.lease(Self.key, owner: try LeaseFixtures.deadOwner())
        try LeaseFixtures.plant(dead, in: spec)
        let taken = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(taken.owner == .current)
        #expect(try LeaseFixtures.count(in: spec) == 1)
        // The dead owner's release (had it come back) removes nothing: the lease is another acquisition now.
        try store.releaseLease(dead)
        #expect(Self.holder(try store.acquireLease(Self.key, staleAfterMs: Self.bound))?.token == taken.token)
        try store.releaseLease(taken)
        #expect(try LeaseFixtures.count(in: spec) == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func aLeaseOlderThanTheBoundIsTakenOverThoughItsOwnerLives(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let store = try Self.open(kind, scratch)
        let hung = LeaseFixtures.lease(Self.key, owner: LeaseFixtures.liveOwner, ageMs: 2 * Self.bound)
        try LeaseFixtures.plant(hung, in: spec)
        let taken = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(taken.token != hung.token)
        // Another host's lease is judged by its age alone.
        try store.releaseLease(taken)
        try LeaseFixtures.plant(LeaseFixtures.lease(Self.key, owner: LeaseFixtures.elsewhereOwner), in: spec)
        #expect(Self.holder(try store.acquireLease(Self.key, staleAfterMs: Self.bound))?.owner == LeaseFixtures.elsewhereOwner)
    }

    @Test(arguments: StoreKind.allCases)
    func namespacesLeaseApartAndTheSharedOneIsItsOwn(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try Self.open(kind, scratch)
        let team = try store.namespace("team")
        let shared = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        let inTeam = try #require(Self.acquired(try team.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(Self.holder(try store.namespace("team").acquireLease(Self.key, staleAfterMs: Self.bound))?.token == inTeam.token)
        #expect(Self.holder(try team.namespace("").acquireLease(Self.key, staleAfterMs: Self.bound))?.token == shared.token)
        // Released through another namespace, a lease stays: it is not that namespace's.
        try team.releaseLease(shared)
        #expect(Self.holder(try store.acquireLease(Self.key, staleAfterMs: Self.bound))?.token == shared.token)
        try team.releaseLease(inTeam)
        try store.releaseLease(shared)
        #expect(try LeaseFixtures.count(in: kind.spec(in: scratch.path)) == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func leasesAreNeverCassettes(_ kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try Self.open(kind, scratch)
        try store.save(Self.cassette)
        let team = try store.namespace("team")
        let other = CassetteFixtures.cassette("only leased").key
        _ = try store.acquireLease(other, staleAfterMs: Self.bound)
        _ = try store.acquireLease(Self.key, staleAfterMs: Self.bound)
        _ = try team.acquireLease(other, staleAfterMs: Self.bound)
        #expect(try LeaseFixtures.count(in: kind.spec(in: scratch.path)) == 3)
        #expect(try store.count() == 1)
        #expect(try store.entries().map(\.key) == [Self.key])
        #expect(try store.load(other) == nil)
        #expect(try store.namespaces() == [])
        #expect(try team.count() == 0)
        #expect(try team.entries() == [])
        #expect(try store.usage() == UsageCounts())
    }

    /// A store that keeps no leases grants every one, unshared, and a release does nothing.
    struct Leaseless: CassetteStore {
        var description: String { "leaseless" }
        func load(_ key: CacheKey) throws(CassetteError) -> Cassette? { nil }
        func encode(_ cassette: Cassette) -> [UInt8] { [] }
        func save(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) {}
        func count() throws(CassetteError) -> Int { 0 }
        func entries() throws(CassetteError) -> [StoreEntry] { [] }
        func remove(_ key: CacheKey) throws(CassetteError) -> Bool { false }
        func addUsage(_ batch: UsageCounts) throws(CassetteError) {}
        func usage() throws(CassetteError) -> UsageCounts { UsageCounts() }
        func namespace(_ name: String) throws(CassetteError) -> CassetteStore { self }
        func namespaces() throws(CassetteError) -> [String] { [] }
        var isReadOnly: Bool { false }
    }

    @Test func aStoreWithoutLeasesGrantsEveryOneUnshared() throws {
        let store = Leaseless()
        let one = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        let two = try #require(Self.acquired(try store.acquireLease(Self.key, staleAfterMs: Self.bound)))
        #expect(!one.isShared && !two.isShared)
        try store.releaseLease(one)
    }
}
