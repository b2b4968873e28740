import TapedeckSystem
import TapedeckHTTP
/// One upstream call and every request waiting on it: the leader that made it and the followers that joined.
///
/// The miss path answers through the flight, never through one exchange, so everyone gets the same status,
/// headers and bytes, each with its own `x-tapedeck*` headers. A live stream fans out under the lock: a
/// follower that joins mid-stream first gets the head and the chunks so far, then every chunk that follows,
/// in order. `land()` ends the flight; whatever answers after it reaches exactly the exchanges in it by then.
final class Flight: Sendable {
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

    /// Adds a follower (called under the coalescer's lock, before the flight lands); catches it up on a stream.
    func add(follower: Exchange) {
        state.withLock { state in
            precondition(!state.landed, "a landed flight is no longer in the coalescer")
            state.exchanges.append(follower)
            guard let head = state.head else { return }
            follower.startStream(head, disposition(of: follower, state.outcome))
            for chunk in state.chunks { follower.sendChunk(chunk) }
        }
    }

    /// Starts a live stream on every exchange.
    func startStream(_ head: HTTPResponse, outcome: Outcome) {
        state.withLock { state in
            state.head = head
            state.outcome = outcome
            for exchange in state.exchanges { exchange.startStream(head, disposition(of: exchange, outcome)) }
        }
    }

    /// Sends one piece of the stream to every exchange, keeping it for followers still to come.
    func sendChunk(_ bytes: [UInt8]) {
        state.withLock { state in
            if coalescer != nil { state.chunks.append(bytes) }
            for exchange in state.exchanges { exchange.sendChunk(bytes) }
        }
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
