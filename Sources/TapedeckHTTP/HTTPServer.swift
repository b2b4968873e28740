internal import CLinux
import Dispatch
import Glibc
import TapedeckSystem

/// An HTTP/1.1 server: one listening socket shared by a few epoll event loops, each owning its connections.
public final class HTTPServer: @unchecked Sendable {  // `listener` and `loops` change only in start/shutdown.
    /// Where to listen, how many loops, and the limits and timeouts every connection obeys.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Event-loop threads; each serves many connections.
        public var eventLoops: Int
        public var limits: RequestParser.Limits
        /// A started request must be fully received within this time of quiet (408).
        public var readTimeoutMs: Int
        /// An idle keep-alive connection is closed after this time.
        public var idleTimeoutMs: Int
        /// A client that reads nothing of a pending response for this long is dropped.
        public var writeTimeoutMs: Int
        /// How a request the server could not read is answered (400, 408, 413, 431, 501, 505).
        public var errorResponse: @Sendable (HTTPError) -> HTTPResponse

        /// Creates a configuration.
        public init(
            host: String = "127.0.0.1",
            port: Int = 8787,
            eventLoops: Int = HTTPServer.defaultEventLoops,
            limits: RequestParser.Limits = RequestParser.Limits(),
            readTimeoutMs: Int = 30_000,
            idleTimeoutMs: Int = 75_000,
            writeTimeoutMs: Int = 60_000,
            errorResponse: @escaping @Sendable (HTTPError) -> HTTPResponse = HTTPServer.plainErrorResponse
        ) {
            self.host = host
            self.port = port
            self.eventLoops = eventLoops
            self.limits = limits
            self.readTimeoutMs = readTimeoutMs
            self.idleTimeoutMs = idleTimeoutMs
            self.writeTimeoutMs = writeTimeoutMs
            self.errorResponse = errorResponse
        }
    }

    /// One loop per CPU this process may run on (so `taskset -c 0` gives one), at most 8.
    public static var defaultEventLoops: Int {
        let allowed = Int(tapedeck_allowed_cpus())
        return max(1, min(8, allowed > 0 ? allowed : sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public let configuration: Configuration
    let handler: HTTPHandler
    private let logger: @Sendable (LogEvent) -> Void
    private var listener: Listener?
    private var loops: [EventLoop] = []

    /// A shutdown cut short (`cutShutdownShort`) and the loops that have answered it.
    private struct Cut {
        var requested = false
        /// Loops that closed their connections after the cut, or had ended anyway.
        var finishedLoops: Set<Int> = []
        /// Requests the loops were still answering when they closed them.
        var dropped = 0
    }
    private let cut = Mutex(Cut())
    /// Signalled each time a loop joins `finishedLoops`.
    private let loopFinishedSignal = DispatchSemaphore(value: 0)

    /// Creates a server; nothing is bound until `start`.
    public init(configuration: Configuration, handler: HTTPHandler, log: @escaping @Sendable (LogEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.handler = handler
        self.logger = log
    }

    /// Binds, starts the loops, and returns the bound port.
    @discardableResult
    public func start() throws(SystemError) -> Int {
        Signals.ignoreSIGPIPE()
        let listener = try Listener(host: configuration.host, port: configuration.port)
        self.listener = listener
        for index in 0..<max(1, configuration.eventLoops) {
            let loop = try EventLoop(index: index, server: self)
            try loop.start(listenerFd: listener.fd)
            loops.append(loop)
        }
        return listener.port
    }

    /// The bound port, or 0 before `start`.
    public var port: Int { listener?.port ?? 0 }

    /// Stops accepting, lets in-flight requests finish for up to `graceMs`, closes everything, and returns.
    public func shutdown(graceMs: Int = 10_000) {
        let deadline = MonotonicClock.milliseconds() + UInt64(graceMs)
        for loop in loops { loop.drain(until: deadline) }
        for loop in loops { loop.waitUntilFinished() }
        loops.removeAll()
        listener = nil
    }

    /// During `shutdown`: stops waiting for the requests still being answered (a second Ctrl-C). Each loop closes
    /// every connection at its next drain tick (20 ms), however far its requests had got; returns, once all loops
    /// have, how many requests that cut off. Call after `start`.
    public func cutShutdownShort() -> Int {
        let loopCount = max(1, configuration.eventLoops)
        cut.withLock { $0.requested = true }
        while true {
            let dropped = cut.withLock { state in state.finishedLoops.count >= loopCount ? state.dropped : nil }
            if let dropped { return dropped }
            loopFinishedSignal.wait()
        }
    }

    /// Whether `cutShutdownShort` was called; the draining loops look at it every tick.
    var shutdownIsCut: Bool { cut.withLock { $0.requested } }

    /// A loop closed `dropped` requests after the cut, or ended on its own (counted once per loop).
    func loopFinished(_ index: Int, dropped: Int) {
        cut.withLock { state in
            if state.finishedLoops.insert(index).inserted { state.dropped += dropped }
        }
        loopFinishedSignal.signal()
    }

    func log(_ event: LogEvent) { logger(event) }

    /// A minimal text answer for a request that could not be read.
    public static let plainErrorResponse: @Sendable (HTTPError) -> HTTPResponse = { error in
        HTTPResponse(status: error.status, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: Array((error.message + "\n").utf8))
    }
}
