/// The way back to the client for one request; usable from any thread, and only the first complete answer counts.
public final class HTTPResponder: @unchecked Sendable {  // Its connection is touched only on `loop`.
    // Touched only on `loop`'s thread.
    private let connection: Connection
    private let loop: EventLoop
    private let sequence: UInt64

    init(connection: Connection, loop: EventLoop, sequence: UInt64) {
        self.connection = connection
        self.loop = loop
        self.sequence = sequence
    }

    /// Whether the caller runs on the thread of the event loop that owns this request's connection.
    public var isOnLoop: Bool { loop.inEventLoop }

    /// Runs `task` on the owning loop's thread: at once when already there, otherwise soon, in the order asked.
    public func onLoop(_ task: @escaping @Sendable () -> Void) {
        loop.execute(task)
    }

    /// Sends a whole response.
    public func respond(_ response: HTTPResponse) {
        // On the loop already (a hit), with no task made.
        if loop.inEventLoop { return connection.complete(sequence: sequence, response: response) }
        loop.execute { [self] in connection.complete(sequence: sequence, response: response) }
    }

    /// Sends a whole response after `milliseconds`, without holding up anything else on the loop.
    public func respond(_ response: HTTPResponse, afterMilliseconds milliseconds: Int) {
        guard milliseconds > 0 else { return respond(response) }
        loop.execute { [self] in
            loop.schedule(afterMilliseconds: milliseconds) { [self] in
                connection.complete(sequence: sequence, response: response)
            }
        }
    }

    /// Sends the status and headers of a streamed response; the body follows in chunks.
    public func startStream(_ head: HTTPResponse) {
        loop.execute { [self] in connection.startStream(sequence: sequence, response: head) }
    }

    /// Sends one piece of a streamed body at once.
    public func sendChunk(_ bytes: [UInt8]) {
        loop.execute { [self] in connection.sendChunk(sequence: sequence, bytes: bytes) }
    }

    /// The unsent output above which a live stream's producer should hold back (`watchBacklog`).
    public static let backlogLimit = 4 * 1024 * 1024
    /// The unsent output at or below which a held-back producer may go on.
    public static let backlogResumeAt = 1024 * 1024

    /// Watches the streamed response's unsent output (bytes its chunks queued that the socket has not taken):
    /// `backedUp` runs when it grows over `limit`, then `drained` once it is down to `resumeAt`, alternately, on the
    /// loop's thread. A response that ends or a connection that closes while backed up counts as drained; a watch
    /// set after that never calls either. A newer watch replaces an older one (which is told `drained` if owed).
    public func watchBacklog(
        limit: Int = HTTPResponder.backlogLimit, resumeAt: Int = HTTPResponder.backlogResumeAt,
        backedUp: @escaping @Sendable () -> Void, drained: @escaping @Sendable () -> Void
    ) {
        loop.execute { [self] in
            connection.watchBacklog(
                sequence: sequence, BacklogWatch(limit: limit, resumeAt: resumeAt, backedUp: backedUp, drained: drained))
        }
    }

    /// Ends a streamed body.
    public func finishStream() {
        loop.execute { [self] in connection.finishStream(sequence: sequence) }
    }

    /// Sends a streamed response whose chunks leave at the given delays (milliseconds from the start of the answer,
    /// non-decreasing), the whole answer starting after `startMs`. Timers on the loop do the waiting, so pacing
    /// never holds up other connections.
    public func stream(_ head: HTTPResponse, chunks: [(delayMs: Int, bytes: [UInt8])], startMs: Int = 0) {
        loop.execute { [self] in
            let begin = { [self] in
                connection.startStream(sequence: sequence, response: head)
                for chunk in chunks {
                    if chunk.delayMs <= 0 {
                        connection.sendChunk(sequence: sequence, bytes: chunk.bytes)
                    } else {
                        loop.schedule(afterMilliseconds: chunk.delayMs) { [self] in
                            connection.sendChunk(sequence: sequence, bytes: chunk.bytes)
                        }
                    }
                }
                let last = chunks.last?.delayMs ?? 0
                if last <= 0 {
                    connection.finishStream(sequence: sequence)
                } else {
                    loop.schedule(afterMilliseconds: last) { [self] in connection.finishStream(sequence: sequence) }
                }
            }
            if startMs > 0 { loop.schedule(afterMilliseconds: startMs, begin) } else { begin() }
        }
    }

    /// Ends a streamed response by closing the connection without the last chunk, so the client sees the body
    /// cut short rather than a clean end (used when upstream's stream broke).
    public func abortStream() {
        loop.execute { [self] in connection.abort(sequence: sequence) }
    }
}
