import Dispatch
import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
import TapedeckUpstream

/// The proxy: a request's path is one straight line of three hops after the HTTP layer has parsed it.
///
/// 1. resolve (`RequestResolver`): route, operation, mode, namespace and its store, key, repeat index; or a
///    Bedrock error. Reads no cassette.
/// 2. lookup (`ProxyEngine+Lookup`): what the store holds for it: a hit, a miss, a cassette to record again, or a
///    failure. Answers no client.
/// 3. answer: a hit is replayed (`ProxyEngine+Answer`), a miss in replay mode is refused with the nearest recorded
///    request, any other miss is forwarded and recorded (`ProxyEngine+Upstream`, `Flight`, `StreamRelay`).
public final class ProxyEngine: HTTPHandler {
    public static let version = "0.1.0"

    public let configuration: ProxyConfiguration
    public let store: CassetteStore
    let upstream: UpstreamClient?
    let log: ProcessLog
    let replay: Replay
    /// Live counters for `/_tapedeck/stats` and `/metrics`.
    public let stats: ProxyStats
    let ledger: UsageLedger?
    /// Recorded requests by model, for naming the nearest one when replay misses.
    public let nearest = NearestIndex()
    /// Cassettes answered but still being written, by namespace and key.
    let pending = Mutex(PendingRecordings())
    /// Answers rendered from cassettes, reused while the cassette is unchanged.
    let hitCache = HitCache()
    /// Per-session counts of identical requests (`--repeats sequence`).
    public let sessions = SessionCounters()
    /// The namespace and mode of a request that names neither (`POST /_tapedeck/scope` changes it).
    public let scope: RequestScope
    /// The first hop of every Bedrock request.
    let resolver: RequestResolver
    /// Identical misses in flight, so that they share one upstream call.
    public let coalescer = MissCoalescer()
    /// Store leases of landed flights still being released (`ProxyEngine+Lease`).
    let leaseReleases = DispatchGroup()
    /// Entered while `indexStoreInBackground` fills the nearest-request index: a replay miss waits for it, so its
    /// message names the nearest recording even right after start-up.
    let indexing = DispatchGroup()
    /// Keys served or recorded since start, for `GET /_tapedeck/unused`.
    let used = Mutex(Set<NamespacedKey>())
    /// The store's namespace views, made once each.
    let views: NamespaceViews
    /// `--auth-token` as bytes, or nil when no token is asked for.
    let authToken: [UInt8]?
    /// Every read of the store (lookups, miss diagnostics, the browser's API, unused cassettes) runs here, never
    /// on an event loop; apart from the writers, so a write waiting for a lock never holds up a hit.
    let readers = WorkerPool(name: "tapedeck-read", threads: 4)
    /// Recordings are written here before their answers' last bytes leave, never on an event loop or the
    /// upstream thread.
    let writers = WorkerPool(name: "tapedeck-write", threads: 2)
    /// The fsyncs that make a written recording survive a power loss, one after another, off every answer's path.
    let syncer = WorkerPool(name: "tapedeck-sync", threads: 1)
    /// Store leases are taken, looked at again and released here (`ProxyEngine+Lease`): calls that may wait on
    /// another process's lock, apart from the readers and writers.
    let leases = WorkerPool(name: "tapedeck-lease", threads: 2)
    /// How answers name the store and its files (never by an absolute path).
    let clientPaths: ClientPaths
    /// What the cassette browser's API reads from.
    let browserAPI: BrowserAPI

    /// Creates an engine; `upstream` is required unless the mode never leaves the machine.
    public init(
        configuration: ProxyConfiguration, store: CassetteStore, upstream: UpstreamClient?, log: ProcessLog,
        stats: ProxyStats = ProxyStats(), ledger: UsageLedger? = nil
    ) {
        self.stats = stats
        self.ledger = ledger
        self.configuration = configuration
        self.store = store
        self.upstream = configuration.upstream == nil ? nil : upstream
        self.log = log
        self.authToken = configuration.authToken.map { Array($0.utf8) }
        self.replay = Replay(hitLatencyMs: configuration.hitLatencyMs, hitUsage: configuration.hitUsage, pace: configuration.replayPace)
        self.views = NamespaceViews(store)
        self.clientPaths = ClientPaths(storeDescription: store.description)
        self.browserAPI = BrowserAPI(views: views, catalog: CassetteCatalog(), stats: stats, paths: clientPaths)
        self.scope = RequestScope(defaults: RequestScope.Value(namespace: configuration.namespace, mode: configuration.mode))
        self.resolver = RequestResolver(
            configuration: configuration, hasUpstream: self.upstream != nil, memo: RequestMemo(), sessions: sessions, views: views,
            scope: scope)
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        // A web page's request is refused before anything else (the token included) looks at it.
        if let refusal = configuration.siteGuard.refusal(request) ?? authorizationRefusal(request) {
            return exchange(request, responder).fail(.accessDenied(refusal))
        }
        // Tapedeck's own routes live under /_tapedeck (and /metrics): a Bedrock request skips their lookups.
        let path = request.path
        if path.utf8.starts(with: "/_tapedeck".utf8) || path == "/metrics", ownRoute(path, exchange(request, responder)) { return }
        if let refusal = configuration.siteGuard.bodyRefusal(request) {
            return exchange(request, responder).fail(.validation(refusal, status: 415))
        }

        let resolved: ResolvedRequest
        do {
            switch try resolver.resolve(request, path: path) {
            case .recorded(let recorded):
                resolved = recorded
            case .passThrough(let route):
                return passThrough(route, request, exchange(request, responder))
            }
        } catch {
            return exchange(request, responder, route: error.route).fail(error.error)
        }
        let exchange = Exchange(
            request: request, responder: responder, log: log, stats: stats, ledger: ledger,
            route: resolved.route, key: resolved.key, namespace: resolved.namespace)
        guard resolved.mode == .auto || resolved.mode == .replay else {
            return forward(resolved, exchange, afterMiss: false)
        }
        // A warm hit is answered from memory here; any other lookup reads the store (a stat, a file, a row), so it
        // runs on a reader, never on this event loop.
        if let rendered = warmHit(resolved) { return serve(rendered, to: exchange) }
        readers.submit { [self] in answer(resolved, exchange) }
    }

    /// Looks `resolved` up and answers it: a hit is replayed, a miss refused (replay) or forwarded. Runs on a reader.
    private func answer(_ resolved: ResolvedRequest, _ exchange: Exchange) {
        switch lookup(resolved) {
        case .hit(let rendered, let expired):
            serve(rendered, expired: expired, to: exchange)
        case .failed(let error):
            exchange.fail(error, outcome: .miss)
        case .miss where resolved.mode == .replay:
            refuseMiss(resolved, exchange)
        case .miss:
            forward(resolved, exchange, afterMiss: true)
        case .stale:
            forward(resolved, exchange, afterMiss: false)
        }
    }

    /// Stops the engine's threads once the work handed to them is done (call after `finishRecordings`).
    public func shutdown() {
        // Leases first: their work hands flights on to the others.
        leases.stop()
        readers.stop()
        writers.stop()
        syncer.stop()
    }

    deinit {
        // An engine dropped without `shutdown` (a test's) lets its threads end on their own, without waiting here:
        // the last reference may be dropped on one of them.
        readers.retire()
        writers.retire()
        syncer.retire()
        leases.retire()
    }

    /// The answering side of a request not (or not wholly) resolved: its route, when it has one, and no key.
    func exchange(_ request: HTTPRequest, _ responder: HTTPResponder, route: BedrockRoute? = nil) -> Exchange {
        Exchange(request: request, responder: responder, log: log, stats: stats, ledger: ledger, route: route)
    }
}
