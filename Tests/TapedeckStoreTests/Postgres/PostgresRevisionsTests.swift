import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// Remembered revisions: trusted only while the listener is up, forgotten by news of another revision, never kept
/// when read across a change, and kept as last seen for while the database is away.
struct PostgresRevisionsTests {
    private let slot = PostgresRevisions.Slot(namespace: "", key: CassetteFixtures.cassette("a").key)

    @Test func aRevisionIsTrustedOnlyWhileTheListenerIsUp() {
        let revisions = PostgresRevisions()
        revisions.remember(7, for: slot, readAfter: revisions.epoch)
        #expect(revisions.current(slot) == nil, "never trusted before the listener listens")
        revisions.listenerUp()
        revisions.remember(7, for: slot, readAfter: revisions.epoch)
        #expect(revisions.current(slot) == .some(7))
        revisions.listenerDown()
        #expect(revisions.current(slot) == nil)
        #expect(revisions.lastSeen(slot) == .some(7), "still what the database last said, for an outage")
    }

    @Test func newsOfAnotherRevisionOrARemovalForgetsItAndLateNewsOfTheSameKeepsIt() {
        let revisions = PostgresRevisions()
        revisions.listenerUp()
        revisions.remember(7, for: slot, readAfter: revisions.epoch)
        revisions.heard(["/\(slot.key.hex)/7"])
        #expect(revisions.current(slot) == .some(7))
        revisions.heard(["/\(slot.key.hex)/9"])
        #expect(revisions.current(slot) == nil)
        #expect(revisions.lastSeen(slot) == .some(9))
        revisions.remember(9, for: slot, readAfter: revisions.epoch)
        revisions.heard(["/\(slot.key.hex)/-"])
        #expect(revisions.current(slot) == nil)
        #expect(revisions.lastSeen(slot) == .some(nil), "removed: a miss while the database is away")
        let other = PostgresRevisions.Slot(namespace: "team", key: slot.key)
        revisions.remember(3, for: other, readAfter: revisions.epoch)
        revisions.heard(["/\(slot.key.hex)/11"])
        #expect(revisions.current(other) == .some(3), "another namespace's slot is another slot")
    }

    @Test func aReadAcrossAChangeOrAReconnectionIsNotKept() {
        let revisions = PostgresRevisions()
        revisions.listenerUp()
        var epoch = revisions.epoch
        revisions.heard(["/\(slot.key.hex)/8"])
        revisions.remember(7, for: slot, readAfter: epoch)
        #expect(revisions.current(slot) == nil)
        epoch = revisions.epoch
        revisions.listenerUp()
        revisions.remember(8, for: slot, readAfter: epoch)
        #expect(revisions.current(slot) == nil)
        epoch = revisions.epoch
        revisions.forget(slot)
        revisions.remember(8, for: slot, readAfter: epoch)
        #expect(revisions.current(slot) == nil, "this process's own write counts as a change")
    }

    @Test func payloadsAreReadFromTheEndAndAnUnreadableOneForgetsEverything() {
        let key = slot.key.hex
        #expect(PostgresRevisions.change("team/\(key)/42")?.slot == PostgresRevisions.Slot(namespace: "team", key: slot.key))
        #expect(PostgresRevisions.change("team/\(key)/42")?.revision == .some(42))
        #expect(PostgresRevisions.change("/\(key)/-")?.revision == .some(nil))
        for bad in ["", "/", "\(key)", "/\(key)/x", "/nothex/1"] { #expect(PostgresRevisions.change(bad) == nil, "\(bad)") }
        let revisions = PostgresRevisions()
        revisions.listenerUp()
        revisions.remember(1, for: slot, readAfter: revisions.epoch)
        revisions.heard(["garbage"])
        #expect(revisions.current(slot) == nil)
    }

    @Test func itIsBounded() {
        let revisions = PostgresRevisions(maxEntries: 2)
        revisions.listenerUp()
        for text in ["a", "b", "c"] {
            revisions.remember(1, for: .init(namespace: "", key: CassetteFixtures.cassette(text).key), readAfter: revisions.epoch)
        }
        #expect(revisions.count <= 2)
    }
}
