import TapedeckSystem
import TapedeckHTTP
/// One upstream call and every request waiting on it: the leader that made it and the followers that joined.
///
/// The miss path answers through the flight, never through one exchange, so everyone gets the same status,
/// headers and bytes, each with its own `x-tapedeck*` headers. A live stream fans out under the lock: a
/// follower that joins mid-stream first gets the head and the chunks so far, then every chunk that follows,
/// in order. `land()` ends the flight; whatever answers after it reaches exactly the exchanges in it by then.
final class Flight: Sendable {
    /// The request that makes the upstream call; its key, namespace and store are the recording's.
    let leader: Exchange
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
    convenience init(leader: Exchange) {
        self.init(leader: leader, key: nil, coalescer: nil)
    }

    /// A flight that `coalescer` lists under `key` until it lands.
    init(leader: Exchange, key: MissCoalescer.FlightKey?, coalescer: MissCoalescer?) {
        self.leader = leader
        self.key = key
        self.coalescer = coalescer
        state = Mutex(State(exchanges: [leader]))
    }

    /// How many requests joined the leader.
    var followerCount: Int { state.withLock { $0.exchanges.count - 1 } }

    /// Adds a follower (called under the coalescer's lock, before the flight lands); catches it up on a stream.
    func add(follower: Exchange) {
        follower.coalesced = true
        state.withLock { state in
            precondition(!state.landed, "a landed flight is no longer in the coalescer")
            state.exchanges.append(follower)
            guard let head = state.head else { return }
            follower.startStream(head, outcome: state.outcome)
            for chunk in state.chunks { follower.sendChunk(chunk) }
        }
    }

    /// Starts a live stream on every exchange.
    func startStream(_ head: HTTPResponse, outcome: Outcome) {
        state.withLock { state in
            state.head = head
            state.outcome = outcome
            for exchange in state.exchanges { exchange.startStream(head, outcome: outcome) }
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

    /// Lands the flight and sends `response` to everyone in it.
    func send(_ response: HTTPResponse, outcome: Outcome) {
        for exchange in land() { exchange.send(response, outcome: outcome) }
    }

    /// Lands the flight and sends everyone the same error in Bedrock's shape.
    func fail(_ error: BedrockError, outcome: Outcome) {
        send(error.response(), outcome: outcome)
    }

    /// Lands the flight and ends everyone's stream cleanly.
    func finishStream(status: Int, outcome: Outcome) {
        for exchange in land() {
            exchange.logFinished(status: status, outcome: outcome)
            exchange.responder.finishStream()
        }
    }

    /// Lands the flight and cuts everyone's stream short, as upstream's was.
    func abortStream(status: Int, outcome: Outcome) {
        for exchange in land() {
            exchange.logFinished(status: status, outcome: outcome)
            exchange.responder.abortStream()
        }
    }
}
