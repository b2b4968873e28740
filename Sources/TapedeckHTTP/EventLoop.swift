internal import CLinux
import Dispatch
import Glibc
import TapedeckSystem

/// One thread running epoll over non-blocking sockets: it owns its connections, timers and a task queue
/// that other threads feed through an eventfd.
final class EventLoop: @unchecked Sendable {  // All but `tasks` (a Mutex) is touched on the loop thread.
    static let wakeToken: UInt64 = .max
    static let listenerToken: UInt64 = .max - 1

    let index: Int
    private let epfd: Int32
    private let wakeFd: Int32
    private let tasks = Mutex<[() -> Void]>([])
    private var timers = TimerQueue()
    private var connections: [Connection?] = []
    private var generation: UInt32 = 0
    private var threadID = pthread_t()
    private let finished = DispatchSemaphore(value: 0)
    private unowned let server: HTTPServer
    private var listenerFd: Int32 = -1
    /// Shutting down: no new request is served (`Connection.refusing`), in-flight ones may finish.
    private(set) var draining = false
    private var drainDeadline: UInt64 = 0
    private var stopped = false

    init(index: Int, server: HTTPServer) throws(SystemError) {
        self.index = index
        self.server = server
        epfd = try Syscall.call("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wakeFd = try Syscall.call("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        } catch {
            Syscall.close(epfd)
            throw error
        }
        _ = try Syscall.call("epoll_ctl") { tapedeck_epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, EPOLLIN.rawValue, Self.wakeToken) }
    }

    deinit {
        Syscall.close(wakeFd)
        Syscall.close(epfd)
    }

    /// Whether the caller is running on this loop's thread.
    var inEventLoop: Bool { pthread_equal(pthread_self(), threadID) != 0 }

    /// Starts the loop's thread, watching `listenerFd` for new connections.
    func start(listenerFd: Int32) throws(SystemError) {
        self.listenerFd = listenerFd
        // EPOLLEXCLUSIVE: one loop, not all of them, wakes for each new connection.
        _ = try Syscall.call("epoll_ctl") {
            tapedeck_epoll_ctl(epfd, EPOLL_CTL_ADD, listenerFd, EPOLLIN.rawValue | (1 << 28), Self.listenerToken)
        }
        let ready = DispatchSemaphore(value: 0)
        OSThread.start(name: "tapedeck-loop-\(index)", stackSize: 1 << 20) { [self] in
            threadID = pthread_self()
            ready.signal()
            run()
            server.loopFinished(index, dropped: 0)
            finished.signal()
        }
        ready.wait()
    }

    /// Runs `task` on the loop thread: at once when already there, otherwise soon.
    func execute(_ task: @escaping @Sendable () -> Void) {
        if inEventLoop {
            task()
            return
        }
        enqueue(task)
    }

    /// Queues `task` for the loop thread even when called from it.
    func enqueue(_ task: @escaping @Sendable () -> Void) {
        let wasEmpty = tasks.withLock { queue in
            queue.append(task)
            return queue.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFd, &one, 8)
        }
    }

    /// Runs `task` on the loop thread after `milliseconds`; call on the loop thread.
    func schedule(afterMilliseconds milliseconds: Int, _ task: @escaping () -> Void) {
        precondition(inEventLoop, "schedule must be called on the loop thread")
        timers.schedule(at: MonotonicClock.milliseconds() + UInt64(max(0, milliseconds)), task)
    }

    /// Serves no new request, lets in-flight ones finish until `deadline` (monotonic ms), then closes everything.
    ///
    /// Connections keep being accepted meanwhile, and each is answered 503 with `Connection: close`
    /// (`Connection.refusing`): a client that arrives during the drain reads why, rather than waiting in the
    /// listen backlog for the reset that closing the listener would give it.
    func drain(until deadline: UInt64) {
        enqueue { [self] in
            draining = true
            drainDeadline = deadline
            for case let connection? in connections { connection.beginDrain() }
        }
    }

    /// Blocks until the loop thread has exited.
    func waitUntilFinished() { finished.wait() }

    // MARK: Connections

    func register(_ connection: Connection) {
        let fd = Int(connection.fd)
        if fd >= connections.count { connections.append(contentsOf: repeatElement(nil, count: fd + 1 - connections.count)) }
        connections[fd] = connection
    }

    func unregister(_ connection: Connection) {
        let fd = Int(connection.fd)
        if fd < connections.count, connections[fd] === connection { connections[fd] = nil }
    }

    func nextToken(for fd: Int32) -> UInt64 {
        generation &+= 1
        return UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
    }

    /// Changes the epoll interest for a connection's descriptor.
    func watch(fd: Int32, token: UInt64, readable: Bool, writable: Bool, add: Bool) {
        var flags: UInt32 = EPOLLRDHUP.rawValue
        if readable { flags |= EPOLLIN.rawValue }
        if writable { flags |= EPOLLOUT.rawValue }
        _ = tapedeck_epoll_ctl(epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, flags, token)
    }

    // MARK: The loop

    private func run() {
        let capacity: Int32 = 256
        let events = tapedeck_epoll_events_alloc(capacity)!
        defer { tapedeck_epoll_events_free(events) }
        var nextSweep = MonotonicClock.milliseconds() + 1000
        while !stopped {
            let now = MonotonicClock.milliseconds()
            var timeout = Int(nextSweep > now ? nextSweep - now : 0)
            if let next = timers.millisecondsUntilNext(now: now) { timeout = min(timeout, next) }
            if draining { timeout = min(timeout, 20) }
            let ready: Int32?
            do throws(SystemError) {
                ready = try Syscall.interruptible("epoll_wait") { tapedeck_epoll_wait(epfd, events, capacity, Int32(timeout)) }
            } catch {
                server.log(LogEvent(.error, "event loop stopped", [LogField("error", "\(error)")]))
                break
            }
            // Interrupted: work out the timeout again rather than wait the whole of it once more.
            guard let count = ready else { continue }
            for i in 0..<Int(count) {
                let token = tapedeck_epoll_event_data(events, Int32(i))
                let flags = tapedeck_epoll_event_flags(events, Int32(i))
                switch token {
                case Self.wakeToken: runTasks()
                case Self.listenerToken: acceptConnections()
                default: dispatch(token: token, flags: flags)
                }
            }
            let after = MonotonicClock.milliseconds()
            for task in timers.popDue(now: after) { task() }
            if after >= nextSweep {
                sweep(now: after)
                nextSweep = after + 1000
            }
            if draining { checkDrained(now: after) }
        }
    }

    private func runTasks() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFd, &value, 8)
        let batch = tasks.withLock { queue -> [() -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for task in batch { task() }
    }

    private func dispatch(token: UInt64, flags: UInt32) {
        let fd = Int(UInt32(truncatingIfNeeded: token))
        guard fd < connections.count, let connection = connections[fd], connection.token == token else { return }
        connection.handle(events: flags)
    }

    private func acceptConnections() {
        guard listenerFd >= 0 else { return }
        for _ in 0..<64 {
            do throws(SystemError) {
                let accepted = try Syscall.nonBlocking("accept") {
                    tapedeck_accept4(listenerFd, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
                guard let fd = accepted else { return }
                Connection.open(fd: fd, loop: self, server: server)
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO:
                    // accept(2): the peer left before it was accepted; take the next one.
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: keep serving open connections and retry accepting shortly.
                    server.log(LogEvent(.warn, "accept failed", [LogField("error", "\(error)"), LogField("retry_ms", 100)]))
                    let fd = listenerFd
                    _ = tapedeck_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0)
                    schedule(afterMilliseconds: 100) { [self] in
                        guard !draining, listenerFd == fd else { return }
                        _ = tapedeck_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN.rawValue | (1 << 28), Self.listenerToken)
                    }
                    return
                default:
                    server.log(LogEvent(.error, "accept failed", [LogField("error", "\(error)")]))
                    return
                }
            }
        }
    }

    private func sweep(now: UInt64) {
        for case let connection? in connections { connection.checkTimeouts(now: now) }
    }

    private func checkDrained(now: UInt64) {
        // Connections accepted during the drain, there only to be refused, do not hold it open.
        let open = connections.reduce(0) { count, connection in count + (connection.map { $0.refusing ? 0 : 1 } ?? 0) }
        let cut = server.shutdownIsCut
        guard open == 0 || now >= drainDeadline || cut else { return }
        for case let connection? in connections { connection.close() }
        stopped = true
        if cut { server.loopFinished(index, dropped: open) }
    }
}
