import TapedeckSystem
import TapedeckBedrock
/// Concurrent identical misses share one upstream call: the first to arrive leads the flight and forwards,
/// the others follow it and get its answer.
///
/// Identical means the same namespace, the same effective key (after `--repeats`) and the same operation.
/// A flight is in the map from the leader's `join` until the leader's answer is complete (`Flight.land()`),
/// which is after its recording is saved: a request that comes later finds the cassette and is a hit.
public final class MissCoalescer: Sendable {
    /// What makes two misses identical.
    public struct FlightKey: Hashable, Sendable {
        /// The request's namespace ("" is the shared one).
        public var namespace: String
        /// The effective key: the cache key with the `--repeats sequence` index applied.
        public var key: CacheKey
        /// Converse answers whole, ConverseStream in frames, so the two never share a call.
        public var operation: BedrockOperation

        /// Creates a flight key.
        public init(namespace: String, key: CacheKey, operation: BedrockOperation) {
            self.namespace = namespace
            self.key = key
            self.operation = operation
        }
    }

    /// Whether a joining request forwards or waits.
    enum Role {
        /// The first request for its key: it makes the upstream call and answers everyone through the flight.
        case leader(Flight)
        /// A request for a key already in flight: the flight answers it.
        case follower(Flight)
    }

    private let flights = Mutex([FlightKey: Flight]())
    /// What to do when a flight lands (release its store lease), by flight; run once, by whoever takes it out.
    private let landings = Mutex([ObjectIdentifier: @Sendable () -> Void]())

    /// Creates a coalescer with nothing in flight.
    public init() {}

    /// Joins the flight for `key` as a follower, or starts one with `exchange` as its leader.
    ///
    /// A follower is added to the flight under the map's lock, so a flight that lands afterwards answers it.
    /// A flight that refuses followers (`Flight.add`) is replaced in the map by the new request's own.
    func join(_ key: FlightKey, exchange: Exchange, resolved: ResolvedRequest) -> Role {
        flights.withLock { flights in
            // A stream whose start is no longer kept takes no more followers: the request leads a flight of its own.
            if let flight = flights[key], flight.add(follower: exchange) {
                return .follower(flight)
            }
            let flight = Flight(leader: exchange, resolved: resolved, key: key, coalescer: self)
            flights[key] = flight
            return .leader(flight)
        }
    }

    /// Forgets `flight`, so that no request joins it any more, then runs what was to happen when it landed.
    func remove(_ flight: Flight) {
        guard let key = flight.key else { return }
        flights.withLock { flights in
            if flights[key] === flight { flights[key] = nil }
        }
        landings.withLock { $0.removeValue(forKey: ObjectIdentifier(flight)) }?()
    }

    /// Runs `action` once `flight` has landed: then, or at once if it already has (or was never listed).
    func whenLanded(_ flight: Flight, _ action: @escaping @Sendable () -> Void) {
        landings.withLock { $0[ObjectIdentifier(flight)] = action }
        // Looked at after the action is listed: a landing before this line left it for us, one after takes it.
        let listed = flight.key.map { key in flights.withLock { $0[key] === flight } } ?? false
        if !listed { landings.withLock { $0.removeValue(forKey: ObjectIdentifier(flight)) }?() }
    }

    /// How many requests are waiting on the flight for `key` (0 when nothing is in flight).
    public func followerCount(for key: FlightKey) -> Int {
        let flight = flights.withLock { $0[key] }
        return flight?.followerCount ?? 0
    }

    /// How many upstream calls are being shared right now.
    public var flightCount: Int { flights.withLock { $0.count } }
}
