import TapedeckSystem

/// What a store shared by a fleet needs in a serving process: cassette changes heard from every process at once,
/// and service through a database outage.
extension PostgresStore {
    /// Turns on serving: a LISTEN connection keeps remembered revisions current (hits cost no round trip while it
    /// is up), warm hits are answered from memory while the database is away, and recordings made meanwhile are
    /// queued and written in order when it is back. Idempotent; call `stopServing` at shutdown.
    public func serveThroughOutages(log: ProcessLog) {
        serving.withLock { serving in
            guard serving == nil else { return }
            let started = PostgresServing(pool: pool, store: url.masked, log: log)
            started.listener.start()
            started.outbox.start()
            serving = started
        }
    }

    /// Writes what is queued if the database is back (logging what is lost if not) and stops listening.
    public func stopServing() {
        guard let stopped = serving.withLock({ $0 }) else { return }
        stopped.outbox.stop()
        stopped.listener.stop()
    }
}

/// The parts `serveThroughOutages` starts, shared by every namespace view of one store.
final class PostgresServing: Sendable {
    let revisions: PostgresRevisions
    let listener: PostgresListener
    let outbox: PostgresOutbox

    /// The listener and the outbox for `pool`'s database; nothing started yet.
    init(pool: PostgresPool, store: String, log: ProcessLog) {
        let revisions = PostgresRevisions()
        self.revisions = revisions
        listener = PostgresListener(pool: pool, revisions: revisions, log: log)
        outbox = PostgresOutbox(store: store, log: log) { recording throws(PostgresError) in
            try pool.run { connection throws(PostgresError) in
                try PostgresStore.write(recording.slot, recording.cassette, recording.document, on: connection)
            }
            revisions.forget(recording.slot)
        }
    }
}
