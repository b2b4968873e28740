import Glibc
import TapedeckSystem

/// The dedicated connection a serving process LISTENs on: every cassette change any process commits (the schema's
/// trigger notifies `tapedeck_changes` in the writing transaction) reaches `revisions` here, so remembered
/// revisions stay current without a round trip per hit.
///
/// Its thread waits on the socket and reads notifications as they arrive; a request that finds a remembered
/// revision first looks whether the socket holds unread ones (`catchUp`, one `poll` that never waits), so a
/// change delivered before the request is never missed (one still in flight when the request comes is heard on the
/// next). The connection doubles as the database's heartbeat: while it cannot be made the pool is told the database
/// is away (`PostgresPool.away`), so recordings queue at once, and it is tried again every `retryMilliseconds`.
final class PostgresListener: Sendable {
    private let pool: PostgresPool
    private let revisions: PostgresRevisions
    private let log: ProcessLog
    private let retryMilliseconds: Int32
    /// The LISTEN connection, touched with the lock held (by the thread and by `catchUp`).
    private let connection = Mutex<PostgresConnection?>(nil)
    /// Its socket, read without the lock (-1 while there is none).
    private let socket = Mutex<Int32>(-1)
    private let stopping = Mutex(false)

    /// A listener feeding `revisions`, reconnecting through `pool`'s URL; call `start`.
    init(pool: PostgresPool, revisions: PostgresRevisions, log: ProcessLog, retryMilliseconds: Int32 = 250) {
        self.pool = pool
        self.revisions = revisions
        self.log = log
        self.retryMilliseconds = retryMilliseconds
    }

    /// Starts the thread that connects, listens and reconnects until `stop`.
    func start() {
        OSThread.start(name: "tapedeck-pg-listen") { [self] in run() }
    }

    /// Ends the thread at its next wake-up (within a second).
    func stop() {
        stopping.withLock { $0 = true }
    }

    /// Reads notifications already on the socket, never waiting: called before a remembered revision is trusted.
    func catchUp() {
        let fd = socket.withLock { $0 }
        guard fd >= 0 else { return }
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 0) > 0 else { return }
        drain()
    }

    private func run() {
        var wasAway = false
        while !stopping.withLock({ $0 }) {
            do throws(PostgresError) {
                let listening = try PostgresConnection(pool.url)
                try listening.execute("LISTEN \(PostgresSchema.changesChannel)")
                connection.withLock { $0 = listening }
                socket.withLock { $0 = listening.socket }
                revisions.listenerUp()
                pool.setAway(false)
                if wasAway { log.info("database reachable again", [LogField("store", pool.url.masked)]) }
                wasAway = false
                waitForNotifications(on: listening.socket)
            } catch {
                if !wasAway {
                    log.warn("database unreachable", [
                        LogField("store", pool.url.masked), LogField("error", "\(error)"),
                        LogField("action", "serve what is in memory, queue recordings, retry every \(retryMilliseconds) ms"),
                    ])
                }
                wasAway = true
                pool.setAway(true)
            }
            revisions.listenerDown()
            socket.withLock { $0 = -1 }
            connection.withLock { $0 = nil }
            if !stopping.withLock({ $0 }) { usleep(UInt32(retryMilliseconds) * 1000) }
        }
    }

    /// Waits on `fd` and reads what arrives until the connection fails or `stop`.
    private func waitForNotifications(on fd: Int32) {
        while !stopping.withLock({ $0 }) {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let result = poll(&ready, 1, 1000)
            if result < 0 && errno == EINTR { continue }
            if result > 0 && !drain() { return }
        }
    }

    /// Reads every notification on the connection into `revisions`; false when the connection is lost.
    @discardableResult
    private func drain() -> Bool {
        connection.withLock { connection -> Bool in
            guard let open = connection else { return false }
            do {
                revisions.heard(try open.takeNotifications())
                return open.isOpen
            } catch {
                revisions.listenerDown()
                return false
            }
        }
    }
}
