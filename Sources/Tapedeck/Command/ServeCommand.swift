import Foundation
import Glibc

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

        let log = RequestLog(enabled: true)
        let requestLog = RequestLog(enabled: !options.quiet)
        let store: CassetteStore
        let cassettes: Int
        do {
            store = try StoreLocation.open(options.store)
            cassettes = try store.count()
        } catch {
            log.line("error: cannot open store \(options.store): \(error)")
            return 1
        }
        let configuration = options.proxyConfiguration
        let upstream = configuration.upstream == nil ? nil : UpstreamClient()
        // Hit counts of a read-only store could never be saved: no ledger, rather than a failed write every flush.
        let ledger = store.isReadOnly ? nil : UsageLedger(store: store, log: log)
        let engine = ProxyEngine(
            configuration: configuration, store: store, upstream: upstream, log: requestLog,
            stats: ProxyStats(price: { model in PriceTable().price(for: model).map { (input: $0.input, output: $0.output) } }),
            ledger: ledger)
        let server = HTTPServer(configuration: options.serverConfiguration, handler: engine, log: { log.line($0) })
        let port: Int
        do {
            port = try server.start()
        } catch {
            log.line("error: cannot listen on \(options.host):\(options.port): \(error)")
            return 1
        }
        ledger?.start()
        Thread { engine.indexStore() }.start()
        let upstreamText = configuration.upstream.map { CurlError.redact($0) } ?? "none (offline)"
        log.line("tapedeck \(ProxyEngine.version) mode=\(configuration.mode.rawValue) store=\(store.description) (\(cassettes) cassettes) upstream=\(upstreamText)")
        if store.isReadOnly {
            log.line("warning: store \(store.description) is read-only: cassettes are served, hit counts are not saved"
                     + (configuration.upstream == nil ? "" : ", and every recording will fail"))
        }
        for line in options.sources.summary { log.line(line) }
        if let auth = configuration.upstreamAuth { log.line("upstream authentication: \(auth.summary)") }
        // Never the token's value: logs are shared more widely than the token should be.
        if configuration.authToken != nil { log.line("auth token required: clients send x-tapedeck-token (health is open)") }
        log.line("listening on http://\(options.host.contains(":") ? "[\(options.host)]" : options.host):\(port)")

        var received: Int32 = 0
        while sigwait(&stopSignals, &received) != 0 {}
        log.line("received \(received == SIGINT ? "SIGINT" : "SIGTERM"); finishing in-flight requests (up to \(options.shutdownGraceSeconds) s)")
        server.shutdown(graceMs: options.shutdownGraceSeconds * 1000)
        upstream?.shutdown()
        engine.finishRecordings()
        ledger?.stop()
        if configuration.strict { reportUnused(engine, log: log) }
        log.line("stopped")
        return 0
    }

    /// `--strict`: lists the cassettes nothing used, so stale ones can be pruned.
    private func reportUnused(_ engine: ProxyEngine, log: RequestLog) {
        do {
            let unused = try engine.unused()
            log.line("strict: \(unused.count) cassette\(unused.count == 1 ? "" : "s") unused in this run")
            for entry in unused { log.line("unused: \(entry.key.hex) \(entry.location)") }
        } catch {
            log.line("warning: cannot list unused cassettes: \(error)")
        }
    }
}
