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

    /// Serves until SIGINT/SIGTERM; returns 0 after a clean shutdown, 1 when start-up fails.
    public func run() -> Int32 {
        // Block the stop signals before any thread exists, so every thread inherits the mask and only sigwait sees them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        Signals.ignoreSIGPIPE()
        ResourceLimits.raiseOpenFiles()

        let log = ProcessLog(level: options.logLevel, format: options.logFormat, requests: !options.quiet)
        for unknown in options.unknownVariables {
            log.warn("unknown environment variable ignored", [
                LogField("variable", unknown.variable), LogField(unknown.isTypo ? "did_you_mean" : "nearest_known", unknown.nearest),
            ])
        }
        let store: CassetteStore
        let cassettes: Int
        do {
            store = try StoreLocation.open(options.store)
            // Every namespace's, so per-test cassettes count too.
            cassettes = try ([""] + store.namespaces()).reduce(0) { total, name throws(CassetteError) in
                try total + store.namespace(name).count()
            }
        } catch {
            log.error("cannot open store", [LogField("store", options.store), LogField("error", "\(error)")])
            return 1
        }
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
        OSThread.start(name: "tapedeck-index") { engine.indexStore() }
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

        var received: Int32 = 0
        while sigwait(&stopSignals, &received) != 0 {}
        log.info("shutting down", [
            LogField("signal", received == SIGINT ? "SIGINT" : "SIGTERM"), LogField("grace_seconds", options.shutdownGraceSeconds),
        ])
        server.shutdown(graceMs: options.shutdownGraceSeconds * 1000)
        upstream?.shutdown()
        engine.finishRecordings()
        ledger?.stop()
        if configuration.strict { reportUnused(engine, log: log) }
        engine.shutdown()
        log.info("stopped")
        return 0
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
            for entry in unused { log.info("unused cassette", [LogField("key", entry.key.hex), LogField("location", entry.location)]) }
        } catch {
            log.warn("cannot list unused cassettes", [LogField("error", "\(error)")])
        }
    }
}
