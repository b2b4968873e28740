import Dispatch
import TapedeckSystem
import TapedeckBedrock

/// Recordings a serving process made while the database was away, written in the order they were made once it
/// is back.
///
/// The rules:
/// - Once anything is queued, every later recording queues behind it, so the database receives them in order.
/// - Queued recordings answer lookups in this process (`cassette(for:)`), so a repeat is a hit meanwhile.
/// - Bounded by `maxCount` recordings and `maxBytes` of documents: a recording that does not fit is dropped,
///   counted (`dropped`) and logged; what is already queued is never dropped.
/// - Its thread tries the oldest every `retryMilliseconds` and writes the rest after it, each in its own
///   statement (all of that recording or nothing); `stop` makes a last try and logs what is lost.
final class PostgresOutbox: Sendable {
    /// One queued recording.
    struct Recording: Sendable {
        let slot: PostgresRevisions.Slot
        let cassette: Cassette
        let document: [UInt8]
        /// A negative number, unique in the process: the recording's version until the database gives it one.
        let ticket: Int64
    }

    private struct State {
        var queue: [Recording] = []
        var bytes = 0
        var nextTicket: Int64 = 0
        var dropped = 0
        var written = 0
    }

    private let state = Mutex(State())
    private let write: @Sendable (Recording) throws(PostgresError) -> Void
    private let log: ProcessLog
    private let store: String
    let maxCount: Int
    let maxBytes: Int
    private let retryMilliseconds: Int
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    private let running = Mutex(false)

    /// An outbox writing through `write` (one recording's statement), logging as `store` names the database.
    init(store: String, log: ProcessLog, maxCount: Int = 1000, maxBytes: Int = 256 << 20, retryMilliseconds: Int = 250,
         write: @escaping @Sendable (Recording) throws(PostgresError) -> Void) {
        self.store = store
        self.log = log
        self.maxCount = maxCount
        self.maxBytes = maxBytes
        self.retryMilliseconds = retryMilliseconds
        self.write = write
    }

    /// Starts the thread that writes queued recordings.
    func start() {
        running.withLock { $0 = true }
        OSThread.start(name: "tapedeck-pg-outbox") { [self] in
            repeat {
                _ = wake.wait(timeout: .now() + .milliseconds(retryMilliseconds))
                flush()
            } while !stopping.withLock({ $0 })
            finished.signal()
        }
    }

    /// Whether recordings are waiting (a new one must queue behind them).
    var isEmpty: Bool { state.withLock { $0.queue.isEmpty } }

    /// Queues a recording; false when it does not fit and was dropped (counted and logged).
    @discardableResult
    func enqueue(_ slot: PostgresRevisions.Slot, _ cassette: Cassette, document: [UInt8]) -> Bool {
        let (queued, dropped) = state.withLock { state -> (Int?, Int) in
            guard state.queue.count < maxCount, state.bytes + document.count <= maxBytes else {
                state.dropped += 1
                return (nil, state.dropped)
            }
            state.nextTicket -= 1
            state.queue.append(Recording(slot: slot, cassette: cassette, document: document, ticket: state.nextTicket))
            state.bytes += document.count
            return (state.queue.count, state.dropped)
        }
        guard let queued else {
            log.error("recording dropped", [
                LogField("key", slot.key.prefix), LogField("store", store), LogField("reason", "the queue for the database is full"),
                LogField("queued", maxCount), LogField("dropped", dropped),
            ])
            return false
        }
        log.warn("recording queued", [
            LogField("key", slot.key.prefix), LogField("store", store), LogField("queued", queued),
            LogField("action", "written when the database is back"),
        ])
        return true
    }

    /// The newest queued recording for `slot`, if any.
    func recording(for slot: PostgresRevisions.Slot) -> Recording? {
        state.withLock { $0.queue.last { $0.slot == slot } }
    }

    /// Writes queued recordings oldest first until one fails (kept, with the rest, for the next try).
    func flush() {
        var written = 0
        while let next = state.withLock({ $0.queue.first }) {
            do {
                try write(next)
            } catch where error.connectionLost {
                break
            } catch {
                // The database is there and refuses this one (it would refuse it forever): the rest go on.
                log.error("recording dropped", [
                    LogField("key", next.slot.key.prefix), LogField("store", store), LogField("error", "\(error)"),
                ])
                state.withLock { state in
                    state.queue.removeFirst()
                    state.bytes -= next.document.count
                    state.dropped += 1
                }
                continue
            }
            state.withLock { state in
                state.queue.removeFirst()
                state.bytes -= next.document.count
                state.written += 1
            }
            written += 1
        }
        guard written > 0 else { return }
        let left = state.withLock { $0.queue.count }
        log.info("queued recordings stored", [LogField("store", store), LogField("written", written), LogField("queued", left)])
    }

    /// Stops the thread after a last try; what is still queued then is logged as lost.
    func stop() {
        stopping.withLock { $0 = true }
        if running.withLock({ $0 }) {
            wake.signal()
            finished.wait()
        } else {
            flush()
        }
        let (left, dropped) = state.withLock { ($0.queue.count, $0.dropped) }
        if left > 0 || dropped > 0 {
            log.error("recordings not stored", [
                LogField("store", store), LogField("queued", left), LogField("dropped", dropped),
                LogField("reason", left > 0 ? "the database is still away at shutdown" : "the queue was full"),
            ])
        }
    }

    /// Recordings dropped because the queue was full.
    var dropped: Int { state.withLock { $0.dropped } }
    /// Recordings waiting.
    var count: Int { state.withLock { $0.queue.count } }
}
