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
            if let plan = try hitPlan(wanted, operation: operation, in: scoped, namespace: exchange.namespace, orElse: fallback) {
                if isExpired(plan.recordedAt) {
                    exchange.expired = true
                    if configuration.onExpired == .rerecord && mode == .auto {
                        log.info("cassette expired", [
                            LogField("key", wanted.prefix), LogField("recorded_at", plan.recordedAt), LogField("action", "record again"),
                        ])
                        return .record
                    }
                    if configuration.onExpired != .replay {
                        log.warn("cassette expired", [
                            LogField("key", wanted.prefix), LogField("recorded_at", plan.recordedAt), LogField("action", "replay"),
                        ])
                    } else {
                        exchange.expired = false
                    }
                }
                serve(plan, exchange: exchange)
                return .served
            }
            // Past the last recorded answer, replay repeats the last one, unless --strict makes it a miss.
            if index > 0 && mode == .replay && !configuration.strict {
                for earlier in stride(from: index - 1, through: 0, by: -1) {
                    let earlierKey = key.repeated(earlier)
                    if let plan = try hitPlan(earlierKey, operation: operation, in: scoped, namespace: exchange.namespace, orElse: fallback) {
                        exchange.key = plan.cassetteKey
                        serve(plan, exchange: exchange)
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
        let plan: HitCache.Plan?
        do {
            plan = try hitPlan(key, operation: route.operation, in: leader.store ?? store, namespace: leader.namespace)
        } catch {
            // The lookup just reported what this store cannot read; forwarding is what it decided.
            return false
        }
        guard let plan, !isExpired(plan.recordedAt) else { return false }
        for exchange in flight.land() {
            exchange.coalesced = false
            serve(plan, exchange: exchange)
        }
        return true
    }

    /// The answer for `key` from `store`, else from the shared store `fallback`.
    func hitPlan(
        _ key: CacheKey, operation: ConverseOperation, in store: CassetteStore, namespace: String, orElse fallback: CassetteStore?
    ) throws(CassetteError) -> HitCache.Plan? {
        if let plan = try hitPlan(key, operation: operation, in: store, namespace: namespace) { return plan }
        guard let fallback else { return nil }
        return try hitPlan(key, operation: operation, in: fallback, namespace: "")
    }

    /// The answer to send for `key` from `store`: reused while the stored version is unchanged, else rendered.
    func hitPlan(_ key: CacheKey, operation: ConverseOperation, in store: CassetteStore, namespace: String) throws(CassetteError) -> HitCache.Plan? {
        var plan: HitCache.Plan
        if let recording = pending.cassette(namespace: namespace, key: key) {
            plan = render(recording, operation: operation)
        } else {
            let version = try store.version(of: key)
            if let version, let kept = hitCache.plan(namespace: namespace, key: key, operation: operation, version: version) {
                plan = kept
            } else {
                guard let cassette = try store.load(key) else { return nil }
                plan = render(cassette, operation: operation)
                if let version { hitCache.keep(plan, namespace: namespace, key: key, operation: operation, version: version) }
            }
        }
        plan.namespace = namespace
        return plan
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
