import TapedeckSystem
import TapedeckStore
/// Recording a stream too large to hold: its events are in an `EventSpool`, and the store writes the cassette from it.
extension ProxyEngine {
    /// The spool a live stream's recording moves its events to once they pass `spoolThresholdBytes`, encoded in
    /// `store`'s layout.
    func makeSpool(for store: CassetteStore) throws(CassetteError) -> EventSpool {
        try EventSpool(layout: store.layout, directory: configuration.spoolDirectory ?? EventSpool.defaultDirectory)
    }

    /// Writes `cassette` with the events in `spool` on a writer, then calls `then` (which sends the stream's last
    /// chunk): as `save` does, whoever has the answer can find its cassette in the store.
    ///
    /// Unlike `save`, the cassette is not held in `pending` while it is written: that would hold the whole stream in
    /// memory, which is what spooling avoids. Its answer leaves only after the write all the same, so no client
    /// holds an answer whose cassette it cannot find; an identical request that arrives during the write is a miss.
    func save(_ cassette: Cassette, spooled spool: EventSpool, for resolved: ResolvedRequest, then: @escaping @Sendable () -> Void) {
        let scoped = resolved.store
        let keyed = cassette.keyedRequest
        nearest.insert(key: cassette.key.hex, model: keyed.nearestGroup, namespace: resolved.namespace, request: keyed.comparable)
        used.withLock { _ = $0.insert(NamespacedKey(namespace: resolved.namespace, key: cassette.key)) }
        writers.submit { [self] in
            let written: Result<DeferredSync, CassetteError>
            do throws(CassetteError) {
                written = .success(try scoped.saveVisible(cassette, spooled: spool))
            } catch {
                written = .failure(error)
            }
            finishWrite(written, of: cassette, to: scoped, then: then)
        }
    }
}
