import TapedeckStore

/// A warm hit decided in memory, on the event loop that read it: no hop to a reader, no store I/O.
///
/// The hit cache keeps, with an answer, the store's stamp taken before the `stat` that last vouched for it
/// (`CassetteStore.changeStamp`). While the store says nothing has changed since (for a JSON store: no inotify
/// event in the cassette's shard directory, asked of the kernel's queue without waiting), the answer is still
/// the cassette's. Anything else takes the lookup hop on a reader as before: a cold or changed cassette, a
/// recording still being written, an expired cassette, a store that cannot vouch (a network file system, a
/// PostgreSQL store whose LISTEN connection is down).
extension ProxyEngine {
    /// The answer for `resolved` when memory alone can give it, else nil.
    func warmHit(_ resolved: ResolvedRequest) -> RenderedAnswer? {
        let namespace = resolved.namespace, key = resolved.key
        guard case (var answer, let version, let stamp)? = hitCache.stamped(
            namespace: namespace, key: key, operation: resolved.route.operation) else { return nil }
        guard !pending.holds(namespace: namespace, key: key), resolved.store.isUnchanged(key, version: version, since: stamp),
              !isExpired(answer.recordedAt) else { return nil }
        answer.namespace = namespace
        return answer
    }
}
