import TapedeckSystem
import TapedeckBedrock
import TapedeckStore
/// The lookup hop: what the store holds for a resolved request, decided without answering anyone.
extension ProxyEngine {
    /// What the store holds for a request.
    enum Lookup {
        /// A cassette answers it; `expired` when it is older than `--max-age` and replayed all the same.
        case hit(RenderedAnswer, expired: Bool)
        /// Nothing recorded for it.
        case miss
        /// There is an answer, but it must be recorded again (expired under `--on-expired rerecord`, or unreadable).
        case stale
        /// The store could not answer.
        case failed(BedrockError)
    }

    /// Looks up the answer `resolved` asks for: its own position in the session, else (replay, past the last
    /// recorded answer, without `--strict`) the last one recorded.
    func lookup(_ resolved: ResolvedRequest) -> Lookup {
        let wanted = resolved.key
        let operation = resolved.route.operation
        let mode = resolved.mode
        do throws(CassetteError) {
            // A namespace falls back to the shared cassettes only with --namespace-fallback.
            let fallback = configuration.namespaceFallback && !resolved.namespace.isEmpty ? store : nil
            if let rendered = try hitAnswer(wanted, operation: operation, in: resolved.store, namespace: resolved.namespace, orElse: fallback) {
                guard isExpired(rendered.recordedAt) else { return .hit(rendered, expired: false) }
                if configuration.onExpired == .rerecord && mode == .auto {
                    log.info("cassette expired", [
                        LogField("key", wanted.prefix), LogField("recorded_at", rendered.recordedAt), LogField("action", "record again"),
                    ])
                    return .stale
                }
                guard configuration.onExpired != .replay else { return .hit(rendered, expired: false) }
                log.warn("cassette expired", [
                    LogField("key", wanted.prefix), LogField("recorded_at", rendered.recordedAt), LogField("action", "replay"),
                ])
                return .hit(rendered, expired: true)
            }
            // Past the last recorded answer, replay repeats the last one, unless --strict makes it a miss.
            let index = resolved.repeatIndex
            if index > 0 && mode == .replay && !configuration.strict {
                for earlier in stride(from: index - 1, through: 0, by: -1) {
                    let earlierKey = resolved.baseKey.repeated(earlier)
                    if let rendered = try hitAnswer(earlierKey, operation: operation, in: resolved.store, namespace: resolved.namespace, orElse: fallback) {
                        return .hit(rendered, expired: false)
                    }
                }
            }
            return .miss
        } catch {
            // A newer Tapedeck's cassette is kept as it is: re-recording would destroy what this build cannot read.
            if mode == .replay || error.isNewerFormat {
                return .failed(.internalServer(clientPaths.scrub("cassette for key \(wanted.hex) cannot be read: \(error)")))
            }
            if error.isUnreachable {
                // A database that is away: nothing is known of the cassette, and the upstream answers.
                log.warn("store unreachable", [
                    LogField("key", wanted.prefix), LogField("error", "\(error)"), LogField("action", "answer from the upstream"),
                ])
            } else {
                log.warn("cassette unreadable", [LogField("key", wanted.prefix), LogField("error", "\(error)"), LogField("action", "record again")])
            }
            return .stale
        }
    }

    /// Serves everyone in a new flight from a cassette that an earlier flight saved after this request's lookup
    /// missed but before it joined; answers false when there is none, and the leader forwards.
    ///
    /// The earlier flight landed after its recording was handed to `save` (held in `pending` until written), so
    /// its cassette is findable by the time its key can lead a new flight: one more look closes the gap between
    /// lookup and join.
    func serveLanded(_ flight: Flight) -> Bool {
        let resolved = flight.resolved
        let rendered: RenderedAnswer?
        do {
            rendered = try hitAnswer(resolved.key, operation: resolved.route.operation, in: resolved.store, namespace: resolved.namespace)
        } catch {
            // The lookup just reported what this store cannot read; forwarding is what it decided.
            return false
        }
        guard let rendered, !isExpired(rendered.recordedAt) else { return false }
        for exchange in flight.land() { serve(rendered, to: exchange) }
        return true
    }

    /// The answer for `key` from `store`, else from the shared store `fallback`.
    func hitAnswer(
        _ key: CacheKey, operation: BedrockOperation, in store: CassetteStore, namespace: String, orElse fallback: CassetteStore?
    ) throws(CassetteError) -> RenderedAnswer? {
        if let rendered = try hitAnswer(key, operation: operation, in: store, namespace: namespace) { return rendered }
        guard let fallback else { return nil }
        return try hitAnswer(key, operation: operation, in: fallback, namespace: "")
    }

    /// The answer to send for `key` from `store`: reused while the stored version is unchanged, else rendered.
    func hitAnswer(_ key: CacheKey, operation: BedrockOperation, in store: CassetteStore, namespace: String) throws(CassetteError) -> RenderedAnswer? {
        var rendered: RenderedAnswer
        if let recording = pending.cassette(namespace: namespace, key: key) {
            rendered = render(recording, operation: operation)
        } else {
            // Stamped first: a change after the stamp is seen by the store's watch, one before it by `version`.
            let stamp = store.changeStamp(for: key)
            let version = try store.version(of: key)
            if let version, let kept = hitCache.answer(namespace: namespace, key: key, operation: operation, version: version, stamp: stamp) {
                rendered = kept
            } else {
                guard let loaded = try loadAndRender(key, operation: operation, from: store) else { return nil }
                rendered = loaded
                if let version {
                    rendered.prepareHit()
                    hitCache.keep(rendered, namespace: namespace, key: key, operation: operation, version: version, stamp: stamp)
                }
            }
        }
        rendered.namespace = namespace
        return rendered
    }

    /// The answer rendered from the cassette `store` holds for `key`. Loading a large cassette (a 10 MB image) parses
    /// tens of MiB that glibc would keep resident once freed: with the cassette gone, much free heap is handed back.
    private func loadAndRender(_ key: CacheKey, operation: BedrockOperation, from store: CassetteStore) throws(CassetteError) -> RenderedAnswer? {
        let rendered: RenderedAnswer? = try {
            () throws(CassetteError) -> RenderedAnswer? in
            guard let cassette = try store.load(key) else { return nil }
            return render(cassette, operation: operation)
        }()
        Heap.returnFreeMemory()
        return rendered
    }

    /// Whether a cassette recorded at `recordedAt` is older than `--max-age`.
    func isExpired(_ recordedAt: String) -> Bool {
        guard let maxAge = configuration.maxAgeSeconds, let recorded = Timestamp.parse(recordedAt) else { return false }
        return Timestamp.nowSeconds() - recorded > maxAge
    }
}

/// A cassette's place: the same key can be recorded in several namespaces. Names the cassettes served since start
/// (`/_tapedeck/unused`) and where a pending recording will land.
struct NamespacedKey: Hashable, Sendable {
    let namespace: String
    let key: CacheKey

    /// Hashed by its key alone (see `HitCache`'s slots): no namespace name is hashed per hit.
    func hash(into hasher: inout Hasher) {
        hasher.combine(key)
    }
}

/// Recordings answered but not yet written; a ticket tells a newer recording of the same slot from an older one.
struct PendingRecordings: Sendable {
    var cassettes: [NamespacedKey: (ticket: UInt64, cassette: Cassette)] = [:]
    var next: UInt64 = 0
}

extension Mutex where Value == PendingRecordings {
    /// Whether a recording of `key` in `namespace` is waiting for its write.
    func holds(namespace: String, key: CacheKey) -> Bool {
        withLock { !$0.cassettes.isEmpty && $0.cassettes[NamespacedKey(namespace: namespace, key: key)] != nil }
    }

    /// The recording of `key` in `namespace` still waiting for its write, or nil.
    func cassette(namespace: String, key: CacheKey) -> Cassette? {
        withLock { $0.cassettes[NamespacedKey(namespace: namespace, key: key)]?.cassette }
    }
}
