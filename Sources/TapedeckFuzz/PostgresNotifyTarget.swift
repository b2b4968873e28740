import TapedeckBedrock
import TapedeckStore

/// Bytes as a `tapedeck_changes` notification payload (`namespace/key/revision`), as the LISTEN connection hands it
/// to the remembered revisions.
///
/// Properties: a payload that reads as a change reads the same once written back; reading never crashes, and taking
/// it in forgets what it names.
enum PostgresNotifyTarget {
    static func run(_ bytes: [UInt8]) {
        let payload = String(decoding: bytes.prefix(PostgresRevisions.maxPayloadBytes + 16), as: UTF8.self)
        let revisions = PostgresRevisions(maxEntries: 4)
        revisions.listenerUp()
        guard let change = PostgresRevisions.change(payload) else {
            revisions.heard([payload])
            return
        }
        let written = "\(change.slot.namespace)/\(change.slot.key.hex)/\(change.revision.map(String.init) ?? "-")"
        let again = PostgresRevisions.change(written)
        Property.check(again?.slot == change.slot && again?.revision == change.revision, "\(String(reflecting: payload)) reads back differently")
        revisions.remember((change.revision ?? 0) &+ 1, for: change.slot, readAfter: revisions.epoch)
        revisions.heard([payload])
        Property.check(revisions.current(change.slot) == nil, "news of \(String(reflecting: payload)) did not forget its slot")
    }
}
