import TapedeckSystem
import TapedeckBedrock
import TapedeckStore
/// The store lookup of a request: the answer its position in the session asks for, expiry, and what to do
/// when there is none.
extension ProxyEngine {
    /// What the lookup decided.
    enum LookupResult {
        /// A cassette answered the request.
        case served
        /// Nothing recorded for it.
        case miss
        /// There is an answer, but it must be recorded again (expired, `--on-expired rerecord`).
        case record
        /// The store could not answer.
        case failed(BedrockError)
    }

    /// Looks up answer `index` of `key` and serves it, or says why not.
    func lookup(key: CacheKey, index: Int, mode: ProxyMode, exchange: Exchange) -> LookupResult {
        let wanted = key.repeated(index)
        let scoped = exchange.store ?? store
        let operation = exchange.route!.operation
        do throws(CassetteError) {
            // A namespace falls back to the shared cassettes only with --namespace-fallback.
            let fallback = configuration.namespaceFallback && !exchange.namespace.isEmpty ? store : nil
            if let rendered = try hitAnswer(wanted, operation: operation, in: scoped, namespace: exchange.namespace, orElse: fallback) {
                if isExpired(rendered.recordedAt) {
                    exchange.expired = true
                    if configuration.onExpired == .rerecord && mode == .auto {
                        log.info("cassette expired", [
                            LogField("key", wanted.prefix), LogField("recorded_at", rendered.recordedAt), LogField("action", "record again"),
                        ])
                        return .record
                    }
                    if configuration.onExpired != .replay {
                        log.warn("cassette expired", [
                            LogField("key", wanted.prefix), LogField("recorded_at", rendered.recordedAt), LogField("action", "replay"),
                        ])
                    } else {
                        exchange.expired = false
                    }
                }
                serve(rendered, exchange: exchange)
                return .served
            }
            // Past the last recorded answer, replay repeats the last one, unless --strict makes it a miss.
            if index > 0 && mode == .replay && !configuration.strict {
                for earlier in stride(from: index - 1, through: 0, by: -1) {
                    let earlierKey = key.repeated(earlier)
                    if let rendered = try hitAnswer(earlierKey, operation: operation, in: scoped, namespace: exchange.namespace, orElse: fallback) {
                        exchange.key = rendered.cassetteKey
                        serve(rendered, exchange: exchange)
                        return .served
                    }
                }
            }
            return .miss
        } catch {
            // A newer Tapedeck's cassette is kept as it is: re-recording would destroy what this build cannot read.
            if mode == .replay || error.isNewerFormat {
                return .failed(.internalServer("cassette for key \(wanted.hex) cannot be read: \(error)"))
            }
            log.warn("cassette unreadable", [LogField("key", wanted.prefix), LogField("error", "\(error)"), LogField("action", "record again")])
            return .record
        }
    }

    /// Serves everyone in a new flight from a cassette that an earlier flight saved after this request's lookup
    /// missed but before it joined; answers false when there is none, and the leader forwards.
    ///
    /// The earlier flight landed after its recording was handed to `save` (held in `pending` until written), so
    /// its cassette is findable by the time its key can lead a new flight: one more look closes the gap between
    /// lookup and join.
    func serveLanded(_ flight: Flight) -> Bool {
        let leader = flight.leader
        guard let key = leader.key, let route = leader.route else { return false }
        let rendered: RenderedAnswer?
        do {
            rendered = try hitAnswer(key, operation: route.operation, in: leader.store ?? store, namespace: leader.namespace)
        } catch {
            // The lookup just reported what this store cannot read; forwarding is what it decided.
            return false
        }
        guard let rendered, !isExpired(rendered.recordedAt) else { return false }
        for exchange in flight.land() {
            exchange.coalesced = false
            serve(rendered, exchange: exchange)
        }
        return true
    }

    /// The answer for `key` from `store`, else from the shared store `fallback`.
    func hitAnswer(
        _ key: CacheKey, operation: ConverseOperation, in store: CassetteStore, namespace: String, orElse fallback: CassetteStore?
    ) throws(CassetteError) -> RenderedAnswer? {
        if let rendered = try hitAnswer(key, operation: operation, in: store, namespace: namespace) { return rendered }
        guard let fallback else { return nil }
        return try hitAnswer(key, operation: operation, in: fallback, namespace: "")
    }

    /// The answer to send for `key` from `store`: reused while the stored version is unchanged, else rendered.
    func hitAnswer(_ key: CacheKey, operation: ConverseOperation, in store: CassetteStore, namespace: String) throws(CassetteError) -> RenderedAnswer? {
        var rendered: RenderedAnswer
        if let recording = pending.cassette(namespace: namespace, key: key) {
            rendered = render(recording, operation: operation)
        } else {
            let version = try store.version(of: key)
            if let version, let kept = hitCache.answer(namespace: namespace, key: key, operation: operation, version: version) {
                rendered = kept
            } else {
                guard let cassette = try store.load(key) else { return nil }
                rendered = render(cassette, operation: operation)
                if let version { hitCache.keep(rendered, namespace: namespace, key: key, operation: operation, version: version) }
            }
        }
        rendered.namespace = namespace
        return rendered
    }

    /// Whether a cassette recorded at `recordedAt` is older than `--max-age`.
    func isExpired(_ recordedAt: String) -> Bool {
        guard let maxAge = configuration.maxAgeSeconds, let recorded = Timestamp.parse(recordedAt) else { return false }
        return Timestamp.nowSeconds() - recorded > maxAge
    }
}

/// A cassette as `/_tapedeck/unused` tells them apart: the same key can be recorded in several namespaces.
struct UsedCassette: Hashable, Sendable {
    let namespace: String
    let key: CacheKey
}

/// Where a pending recording will land.
struct PendingSlot: Hashable, Sendable {
    let namespace: String
    let key: CacheKey
}

/// Recordings answered but not yet written; a ticket tells a newer recording of the same slot from an older one.
struct PendingRecordings: Sendable {
    var cassettes: [PendingSlot: (ticket: UInt64, cassette: Cassette)] = [:]
    var next: UInt64 = 0
}

extension Mutex where Value == PendingRecordings {
    /// The recording of `key` in `namespace` still waiting for its write, or nil.
    func cassette(namespace: String, key: CacheKey) -> Cassette? {
        withLock { $0.cassettes[PendingSlot(namespace: namespace, key: key)]?.cassette }
    }
}
