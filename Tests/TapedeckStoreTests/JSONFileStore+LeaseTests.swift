import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

/// The JSON store's lock files: where they live, what they hold, and that they appear whole or not at all.
@Suite struct JSONFileStoreLeaseTests {
    static let cassette = CassetteFixtures.cassette()
    static let bound: Int64 = 60_000

    @Test func theLockIsAHiddenFileBesideWhereTheCassetteGoesHoldingTheLease() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch("cassettes"))
        let key = Self.cassette.key
        let lockPath = store.leasePath(for: key)
        #expect(lockPath == scratch("cassettes/\(key.hex.prefix(2))/.\(key.hex).lock"))
        guard case .acquired(let lease) = try store.acquireLease(key, staleAfterMs: Self.bound) else {
            Issue.record("the first lease is granted")
            return
        }
        #expect(try MissLease(json: try JSONParser.parse(try CassetteFixtures.read(lockPath))) == lease)
        // Only the lock file: its temporary name is gone, and nothing else was made.
        #expect(CassetteFixtures.tree(scratch.path) == ["cassettes", "cassettes/\(key.hex.prefix(2))", "cassettes/\(key.hex.prefix(2))/.\(key.hex).lock"])
        try store.save(Self.cassette)
        try store.releaseLease(lease)
        #expect(CassetteFixtures.tree(scratch("cassettes")) == ["\(key.hex.prefix(2))", "\(key.hex.prefix(2))/\(key.hex).json"])
    }

    @Test func aNamespacesLockLivesInItsDirectory() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let team = try JSONFileStore(directory: scratch("cassettes")).namespaceStore("team")
        let key = Self.cassette.key
        #expect(team.leasePath(for: key) == scratch("cassettes/namespaces/team/\(key.hex.prefix(2))/.\(key.hex).lock"))
        _ = try team.acquireLease(key, staleAfterMs: Self.bound)
        #expect(FileManager.default.fileExists(atPath: team.leasePath(for: key)))
        #expect(try JSONFileStore(directory: scratch("cassettes")).namespaces() == [])
    }

    @Test func aLockThatDoesNotReadAsALeaseIsTakenOver() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch("cassettes"))
        let key = Self.cassette.key
        let lockPath = store.leasePath(for: key)
        try FileManager.default.createDirectory(atPath: scratch("cassettes/\(key.hex.prefix(2))"), withIntermediateDirectories: true)
        // What a crash can leave: a lock file whose bytes never reached the disk.
        try CassetteFixtures.write([], to: lockPath)
        guard case .acquired(let lease) = try store.acquireLease(key, staleAfterMs: Self.bound) else {
            Issue.record("an unreadable lock is stale")
            return
        }
        #expect(try MissLease(json: try JSONParser.parse(try CassetteFixtures.read(lockPath))) == lease)
    }

    @Test func releasingWithoutALockFileOrItsShardIsFine() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch("cassettes"))
        try store.releaseLease(MissLease.fresh(Self.cassette.key))
        #expect(CassetteFixtures.tree(scratch.path) == [])
    }
}
