import Glibc
import TapedeckSystem
import TapedeckHTTP
import TapedeckStore
import TapedeckUpstream
import TapedeckProxy

/// `tapedeck serve`: opens the store, starts the server, and shuts down cleanly on SIGINT or SIGTERM.
public struct ServeCommand {
    public let options: ServeOptions

    /// Creates the command.
    public init(options: ServeOptions) { self.options = options }

    /// Serves until SIGINT/SIGTERM; returns 0 after a clean shutdown, 1 when start-up fails, and 130 (143 for
    /// SIGTERM) when a second signal cut the shutdown short.
    public func run() -> Int32 {
        // Before any thread exists, so every thread inherits the mask and only sigwait sees the stop signals.
        let stopSignals = StopSignals.block()
        Signals.ignoreSIGPIPE()
        ResourceLimits.raiseOpenFiles()

        let log = ProcessLog(level: options.logLevel, format: options.logFormat, requests: !options.quiet)
        for unknown in options.unknownVariables {
            log.warn("unknown environment variable ignored", [
                LogField("variable", unknown.variable), LogField(unknown.isTypo ? "did_you_mean" : "nearest_known", unknown.nearest),
            ])
        }
        guard let (store, cassettes) = openStore(log: log, stopSignals: stopSignals) else { return 1 }
        // A fleet's shared database: changes heard from every process at once, and service through an outage.
        (store as? PostgresStore)?.serveThroughOutages(log: log)
        let configuration = options.proxyConfiguration
        let upstream = configuration.upstream == nil ? nil : UpstreamClient()
        // Hit counts of a read-only store could never be saved: no ledger, rather than a failed write every flush.
        let ledger = store.isReadOnly ? nil : UsageLedger(store: store, log: log)
        let engine = ProxyEngine(
            configuration: configuration, store: store, upstream: upstream, log: log,
            stats: ProxyStats(price: { model in PriceTable().price(for: model).map { (input: $0.input, output: $0.output) } }),
            ledger: ledger)
        let server = HTTPServer(configuration: options.serverConfiguration, handler: engine, log: { log.event($0) })
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let port: Int
        do {
            port = try server.start()
        } catch {
            log.error("cannot listen", [LogField("address", "\(host):\(options.port)"), LogField("error", "\(error)")])
            return 1
        }
        ledger?.start()
        engine.indexStoreInBackground()
        for event in options.sources.summary { log.event(event) }
        if let auth = configuration.upstreamAuth { log.info("upstream authentication", [LogField("method", auth.summary)]) }
        if store.isReadOnly {
            log.warn("store is read-only", [
                LogField("store", store.description),
                LogField("effect", "cassettes are served, hit counts are not saved"
                         + (configuration.upstream == nil ? "" : ", every recording will fail")),
            ])
        }
        if configuration.mode == .replay && cassettes == 0 {
            log.warn("no cassettes to replay", [
                LogField("store", store.description),
                LogField("effect", "every request will miss: replay mode never calls upstream (record with --upstream URL)"),
            ])
        }
        // Never the token's value: logs are shared more widely than the token should be.
        if configuration.authToken != nil {
            log.info("auth token required", [LogField("header", "x-tapedeck-token"), LogField("open", "GET /_tapedeck/health")])
        }
        // What to do next, with the port really bound (`--port 0` included). The text line reads
        // `INFO  export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://…`: from `export` on, it is the shell line to copy.
        let local = "http://\(Self.localName(host)):\(port)"
        log.info("cassette browser", [LogField("url", local + "/_tapedeck/")])
        log.info("export", [LogField("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", local)])
        // The last start-up line says everything a reader needs to know the server is up and what it serves.
        log.info("listening", [
            LogField("address", "http://\(host):\(port)"),
            LogField("mode", configuration.mode.rawValue),
            LogField("store", store.description),
            LogField("cassettes", cassettes),
            LogField("upstream", configuration.upstream.map { CurlError.redact($0) } ?? "none"),
            LogField("version", ProxyEngine.version),
        ])

        let first = stopSignals.wait()
        log.info("shutting down", [
            LogField("signal", StopSignals.name(first)), LogField("grace_seconds", options.shutdownGraceSeconds),
        ])
        let cutShort = Mutex<Int32?>(nil)
        OSThread.start(name: "tapedeck-stop") {
            Self.watchForImpatience(stopSignals, server: server, engine: engine, log: log, cutShort: cutShort)
        }
        server.shutdown(graceMs: options.shutdownGraceSeconds * 1000)
        // Any upstream call still under way ends here, unrecorded (each logged `not recorded`).
        upstream?.shutdown()
        engine.finishRecordings()
        ledger?.stop()
        (store as? PostgresStore)?.stopServing()
        let second = cutShort.withLock { $0 }
        if configuration.strict && second == nil { reportUnused(engine, log: log) }
        engine.shutdown()
        guard let second else {
            log.info("stopped")
            return 0
        }
        log.info("stopped", [LogField("status", Int(StopSignals.exitStatus(second)))])
        return StopSignals.exitStatus(second)
    }

    /// The store and how many cassettes it holds in every namespace; nil (logged) when it cannot be opened. A
    /// PostgreSQL database that cannot be reached is waited for, retried every second, until a stop signal.
    private func openStore(log: ProcessLog, stopSignals: StopSignals) -> (CassetteStore, Int)? {
        var waiting = false
        while true {
            do throws(CassetteError) {
                let store = try StoreLocation.open(options.store)
                // Every namespace's, so per-test cassettes count too.
                var cassettes = 0
                for name in try [""] + store.namespaces() { cassettes += try store.namespace(name).count() }
                if waiting { log.info("database reachable", [LogField("store", store.description)]) }
                return (store, cassettes)
            } catch {
                guard case .postgres(let name, let failure) = error, failure.connectionLost else {
                    log.error("cannot open store", [LogField("store", StoreLocation.masked(options.store)), LogField("error", "\(error)")])
                    return nil
                }
                if !waiting {
                    log.warn("waiting for the database", [
                        LogField("store", name), LogField("error", "\(failure)"), LogField("action", "retry every second until it answers"),
                    ])
                    waiting = true
                }
                if let signal = stopSignals.wait(milliseconds: 1000) {
                    log.info("stopped while waiting for the database", [LogField("signal", StopSignals.name(signal))])
                    return nil
                }
            }
        }
    }

    /// During the shutdown: a second SIGINT/SIGTERM stops waiting for open requests (their connections are closed,
    /// and a miss still waiting on upstream is not recorded) while recordings already being written still finish;
    /// a third exits at once, losing those too.
    private static func watchForImpatience(
        _ stopSignals: StopSignals, server: HTTPServer, engine: ProxyEngine, log: ProcessLog, cutShort: Mutex<Int32?>
    ) {
        let second = stopSignals.wait()
        cutShort.withLock { $0 = second }
        // Counted before the cut: once it is made, the shutdown goes on to end the upstream calls, and their flights.
        let inFlight = engine.coalescer.flightCount
        let dropped = server.cutShutdownShort()
        log.warn("second signal: exiting now", [
            LogField("signal", StopSignals.name(second)), LogField("open_requests", dropped),
            LogField("misses_in_flight", inFlight),
            LogField("effect", "open requests are cut off and misses still waiting on upstream are not recorded; "
                     + "recordings already being written are finished (a third signal exits without them)"),
        ])
        let third = stopSignals.wait()
        log.warn("third signal: exiting at once", [
            LogField("signal", StopSignals.name(third)), LogField("writes_unfinished", engine.unfinishedWrites),
        ])
        _exit(StopSignals.exitStatus(third))
    }

    /// The name a client on this machine reaches `host` by: a wildcard address is no place to connect to, so
    /// `0.0.0.0` is reached as `127.0.0.1` and `[::]` as `[::1]`; any other host as it is.
    static func localName(_ host: String) -> String {
        switch host {
        case "0.0.0.0": return "127.0.0.1"
        case "[::]", "[0:0:0:0:0:0:0:0]": return "[::1]"
        default: return host
        }
    }

    /// `--strict`: lists the cassettes nothing used, so stale ones can be pruned.
    private func reportUnused(_ engine: ProxyEngine, log: ProcessLog) {
        do {
            let unused = try engine.unused()
            log.info("unused cassettes", [LogField("count", unused.count)])
            for unused in unused {
                log.info("unused cassette", [
                    LogField("namespace", unused.namespace), LogField("key", unused.entry.key.hex), LogField("location", unused.entry.location),
                ])
            }
        } catch {
            log.warn("cannot list unused cassettes", [LogField("error", "\(error)")])
        }
    }
}
