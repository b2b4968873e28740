import TapedeckSystem
import TapedeckHTTP
import TapedeckUpstream
/// One upstream call and every request waiting on it: the leader that made it and the followers that joined.
///
/// The miss path answers through the flight, never through one exchange, so everyone gets the same status,
/// headers and bytes, each with its own `x-tapedeck*` headers. A live stream fans out under the lock: a
/// follower that joins mid-stream first gets the head and the chunks so far, then every chunk that follows,
/// in order. `land()` ends the flight; whatever answers after it reaches exactly the exchanges in it by then.
///
/// Backpressure: a stream's bytes are never held for a slow reader. When the leader's connection backs up, the
/// upstream transfer is paused until it drains (followers wait with it); a follower whose own connection backs
/// up is cut (its connection closed mid-stream, as a broken upstream stream would be) and leaves the flight.
/// The start of the stream is kept for late joiners only up to `catchUpLimit`; past it the flight takes no more
/// followers, and a later identical request leads its own flight.
final class Flight: Sendable {
    /// The most stream bytes kept for followers that join late.
    static let catchUpLimit = HTTPResponder.backlogLimit / 2

    /// The request that makes the upstream call.
    let leader: Exchange
    /// The leader's request, resolved: its key, namespace and store are the recording's.
    let resolved: ResolvedRequest
    /// The coalescer's key, or nil for a flight nobody can join (passthrough).
    let key: MissCoalescer.FlightKey?
    private let coalescer: MissCoalescer?
    private let state: Mutex<State>

    private struct State {
        /// The leader first, then the followers in the order they joined.
        var exchanges: [Exchange]
        /// A started stream's head, before Tapedeck's headers, and the outcome it was sent with.
        var head: HTTPResponse?
        var outcome = Outcome.miss
        /// The stream's chunks so far, for followers that join late (kept only while others can join).
        var chunks: [[UInt8]] = []
        /// The bytes in `chunks`.
        var keptBytes = 0
        /// Followers may still join (false once the stream's start is no longer kept).
        var joinable = true
        /// The upstream transfer a backed-up leader pauses, once the stream started.
        var transfer: UpstreamTransferControl?
        /// Called with each follower cut for falling behind.
        var onCut: (@Sendable (Exchange) -> Void)?
        var landed = false
    }

    /// A flight of `leader` alone that nobody can join.
    convenience init(leader: Exchange, resolved: ResolvedRequest) {
        self.init(leader: leader, resolved: resolved, key: nil, coalescer: nil)
    }

    /// A flight that `coalescer` lists under `key` until it lands.
    init(leader: Exchange, resolved: ResolvedRequest, key: MissCoalescer.FlightKey?, coalescer: MissCoalescer?) {
        self.leader = leader
        self.resolved = resolved
        self.key = key
        self.coalescer = coalescer
        state = Mutex(State(exchanges: [leader]))
    }

    /// How many requests joined the leader.
    var followerCount: Int { state.withLock { $0.exchanges.count - 1 } }

    /// Adds a follower (called under the coalescer's lock, before the flight lands) and catches it up on a stream;
    /// false when the flight takes no more followers.
    @discardableResult
    func add(follower: Exchange) -> Bool {
        state.withLock { state in
            precondition(!state.landed, "a landed flight is no longer in the coalescer")
            guard state.joinable else { return false }
            state.exchanges.append(follower)
            guard let head = state.head else { return true }
            follower.startStream(head, disposition(of: follower, state.outcome))
            for chunk in state.chunks { follower.sendChunk(chunk) }
            watch(follower, state.transfer)
            return true
        }
    }

    /// Starts a live stream on every exchange; a backed-up leader pauses `transfer`, a backed-up follower is cut
    /// and handed to `onCut`.
    func startStream(
        _ head: HTTPResponse, outcome: Outcome, transfer: UpstreamTransferControl? = nil,
        onCut: @escaping @Sendable (Exchange) -> Void = { _ in }
    ) {
        state.withLock { state in
            state.head = head
            state.outcome = outcome
            state.transfer = transfer
            state.onCut = onCut
            for exchange in state.exchanges {
                exchange.startStream(head, disposition(of: exchange, outcome))
                watch(exchange, transfer)
            }
        }
    }

    /// Sends one piece of the stream to every exchange, keeping it for followers still to come (up to
    /// `catchUpLimit`; past it the flight stops taking followers and leaves the coalescer).
    func sendChunk(_ bytes: [UInt8]) {
        let closing = state.withLock { state -> Bool in
            for exchange in state.exchanges { exchange.sendChunk(bytes) }
            guard coalescer != nil, state.joinable else { return false }
            state.chunks.append(bytes)
            state.keptBytes += bytes.count
            guard state.keptBytes > Self.catchUpLimit else { return false }
            state.joinable = false
            state.chunks = []
            return true
        }
        // Outside the flight's lock: `join` takes the coalescer's lock and then this one.
        if closing { coalescer?.remove(self) }
    }

    /// Asks `exchange`'s connection to say when it backs up: the leader's pauses `transfer`, a follower's cuts it.
    private func watch(_ exchange: Exchange, _ transfer: UpstreamTransferControl?) {
        guard exchange === leader else {
            return exchange.watchBacklog(backedUp: { [self] in cut(exchange) }, drained: {})
        }
        guard let transfer else { return }
        exchange.watchBacklog(backedUp: { transfer.pause() }, drained: { transfer.resume() })
    }

    /// Takes a follower that fell behind out of the flight and ends its stream cut short (on its loop).
    private func cut(_ follower: Exchange) {
        let found = state.withLock { state -> (Outcome, Int, (@Sendable (Exchange) -> Void)?)? in
            guard !state.landed, let index = state.exchanges.firstIndex(where: { $0 === follower }) else { return nil }
            state.exchanges.remove(at: index)
            return (state.outcome, state.head?.status ?? 200, state.onCut)
        }
        guard let (outcome, status, onCut) = found else { return }
        onCut?(follower)
        follower.endStream(status: status, disposition(of: follower, outcome), cut: true)
    }

    /// Ends the flight: it leaves the coalescer, so nobody joins any more; answers who is in it.
    ///
    /// Call it once the answer is complete (after the recording is saved) and before answering anyone.
    func land() -> [Exchange] {
        coalescer?.remove(self)
        return state.withLock { state in
            state.landed = true
            state.chunks = []
            return state.exchanges
        }
    }

    /// Lands the flight and sends `response` to everyone in it; `upstreamFailed` is counted for the leader's call.
    func send(_ response: HTTPResponse, outcome: Outcome, upstreamFailed: Bool = false) {
        for exchange in land() { exchange.send(response, disposition(of: exchange, outcome, upstreamFailed: upstreamFailed)) }
    }

    /// Lands the flight and sends everyone the same error in Bedrock's shape.
    func fail(_ error: BedrockError, outcome: Outcome, upstreamFailed: Bool = false) {
        send(error.response(), outcome: outcome, upstreamFailed: upstreamFailed)
    }

    /// Lands the flight and ends everyone's stream: cleanly, or (`cut`) without the last chunk, as upstream's was.
    func endStream(status: Int, outcome: Outcome, cut: Bool = false, upstreamFailed: Bool = false) {
        for exchange in land() {
            exchange.endStream(status: status, disposition(of: exchange, outcome, upstreamFailed: upstreamFailed), cut: cut)
        }
    }

    /// How `exchange`'s answer came about: a follower's is coalesced, and only the leader made the upstream call.
    private func disposition(of exchange: Exchange, _ outcome: Outcome, upstreamFailed: Bool = false) -> Exchange.Disposition {
        var disposition = Exchange.Disposition(outcome)
        disposition.coalesced = exchange !== leader
        disposition.upstreamFailed = upstreamFailed && exchange === leader
        return disposition
    }
}
