import TapedeckSystem

/// The connections a `PostgresStore` (and every namespace view of it) uses: as many as threads use the store at
/// once, opened on first need, kept while idle (up to `maxIdle`), and replaced when lost.
///
/// Reconnecting is this type's whole job: a connection the server closed (a restart, a failover, an idle timeout)
/// fails its next statement with `connectionLost`; it is dropped with every idle one (they share its fate), and a
/// statement that may run twice is tried once more on a new connection. When the server is still away that
/// attempt fails too, and the caller gets the error; the next call tries again.
final class PostgresPool: Sendable {
    let url: PostgresURL
    /// Connections not in use.
    private let idle = Mutex([PostgresConnection]())
    /// How many idle connections are kept; more are closed when given back.
    let maxIdle: Int
    /// Set while a serving process's listener cannot reach the database (`PostgresListener`): recordings are queued
    /// at once rather than tried first (lookups still try, so the first request after the database is back finds it).
    private let isAway = Mutex(false)

    /// A pool for `url`; nothing is opened yet.
    init(url: PostgresURL, maxIdle: Int = 8) {
        self.url = url
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a connection no other thread is using. `retry`: `body` may run again from the start on
    /// a fresh connection when this one turns out to be lost (it is one statement, or one transaction that
    /// either committed or did not).
    func run<T>(retry: Bool = true, _ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        do {
            return try once(body)
        } catch where error.connectionLost && retry {
            return try once(body)
        }
    }

    /// One try: an idle connection or a new one; given back if still open afterwards.
    private func once<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        let connection: PostgresConnection
        if let kept = idle.withLock({ $0.popLast() }) {
            connection = kept
        } else {
            connection = try PostgresConnection(url)
        }
        do {
            let result = try body(connection)
            giveBack(connection)
            return result
        } catch {
            if error.connectionLost || !connection.isOpen {
                // The server went away: every idle connection is as dead as this one.
                idle.withLock { $0.removeAll() }
            } else {
                giveBack(connection)
            }
            throw error
        }
    }

    /// Keeps `connection` for the next use, unless enough are kept or it is lost.
    private func giveBack(_ connection: PostgresConnection) {
        guard connection.isOpen else { return }
        idle.withLock { if $0.count < maxIdle { $0.append(connection) } }
    }

    /// Whether the database is known to be unreachable.
    var away: Bool { isAway.withLock { $0 } }

    /// Marks the database unreachable (idle connections are dropped: they died with it) or reachable again.
    func setAway(_ away: Bool) {
        isAway.withLock { $0 = away }
        if away { idle.withLock { $0.removeAll() } }
    }

    /// How many connections are open and idle (for tests, with no statement running).
    var idleCount: Int { idle.withLock { $0.count } }
}
