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
        case failed(status: Int, type: String, message: String)
    }

    /// Looks up answer `index` of `key` and serves it, or says why not.
    func lookup(key: CacheKey, index: Int, mode: ProxyMode, exchange: Exchange) -> LookupResult {
        let wanted = key.repeated(index)
        let scoped = exchange.store ?? store
        do throws(CassetteError) {
            // A namespace falls back to the shared cassettes only with --namespace-fallback.
            let fallback = configuration.namespaceFallback && !exchange.namespace.isEmpty ? store : nil
            if let cassette = try Self.load(wanted, from: scoped, orElse: fallback) {
                if isExpired(cassette) {
                    exchange.expired = true
                    if configuration.onExpired == .rerecord && mode == .auto {
                        log.line("cassette \(wanted.prefix) recorded \(cassette.recordedAt) is older than --max-age: recording it again")
                        return .record
                    }
                    if configuration.onExpired != .replay {
                        log.line("warning: cassette \(wanted.prefix) recorded \(cassette.recordedAt) is older than --max-age")
                    } else {
                        exchange.expired = false
                    }
                }
                serveHit(cassette, route: exchange.route!, exchange: exchange)
                return .served
            }
            // Past the last recorded answer, replay repeats the last one, unless --strict makes it a miss.
            if index > 0 && mode == .replay && !configuration.strict {
                for earlier in stride(from: index - 1, through: 0, by: -1) {
                    if let cassette = try Self.load(key.repeated(earlier), from: scoped, orElse: fallback) {
                        exchange.key = cassette.key
                        serveHit(cassette, route: exchange.route!, exchange: exchange)
                        return .served
                    }
                }
            }
            return .miss
        } catch {
            // A newer Tapedeck's cassette is kept as it is: re-recording would destroy what this build cannot read.
            if mode == .replay || error.isNewerFormat {
                return .failed(status: 500, type: "InternalServerException", message: "cassette for key \(wanted.hex) cannot be read: \(error)")
            }
            log.line("warning: \(error); recording it again")
            return .record
        }
    }

    /// Serves everyone in a new flight from a cassette that an earlier flight saved after this request's lookup
    /// missed but before it joined; answers false when there is none, and the leader forwards.
    ///
    /// The earlier flight landed after its save, so a cassette it recorded is on disk by the time its key can
    /// lead a new flight: one more look closes the gap between lookup and join.
    func serveLanded(_ flight: Flight) -> Bool {
        let leader = flight.leader
        guard let key = leader.key, let route = leader.route else { return false }
        let cassette: Cassette?
        do {
            cassette = try (leader.store ?? store).load(key)
        } catch {
            // The lookup just reported what this store cannot read; forwarding is what it decided.
            return false
        }
        guard let cassette, !isExpired(cassette) else { return false }
        for exchange in flight.land() {
            exchange.coalesced = false
            serveHit(cassette, route: exchange.route ?? route, exchange: exchange)
        }
        return true
    }

    /// The cassette under `key` in `store`, else in `fallback`.
    static func load(_ key: CacheKey, from store: CassetteStore, orElse fallback: CassetteStore?) throws(CassetteError) -> Cassette? {
        if let cassette = try store.load(key) { return cassette }
        return try fallback?.load(key)
    }

    /// Whether `cassette` is older than `--max-age`.
    func isExpired(_ cassette: Cassette) -> Bool {
        guard let maxAge = configuration.maxAgeSeconds, let recorded = Timestamp.parse(cassette.recordedAt) else { return false }
        return Timestamp.nowSeconds() - recorded > maxAge
    }
}

/// A cassette as `/_tapedeck/unused` tells them apart: the same key can be recorded in several namespaces.
struct UsedCassette: Hashable, Sendable {
    let namespace: String
    let key: CacheKey
}
