import Dispatch

/// A fixed number of named threads running submitted work in the order it was submitted: where the server does
/// what may wait on a disk or a lock (store reads and writes, fsyncs), so an event loop never does.
///
/// A pool never grows: work that blocks (a SQLite busy wait, a slow disk) holds one of its threads and nothing
/// else, and what waits behind it waits in the queue, not on a new thread. Give work that must not wait behind a
/// writer its own pool.
public final class WorkerPool: Sendable {
    private struct State {
        /// Consumed slots are nil, so a finished task's captures are freed at once.
        var queue: [(@Sendable () -> Void)?] = []
        var head = 0
        /// Submitted and not yet finished (queued or running).
        var unfinished = 0
        var stopping = false
        var idleWaiters: [DispatchSemaphore] = []
    }

    /// The pool's name; its threads are named `name-1`, `name-2`, ….
    public let name: String
    /// How many threads run work.
    public let threadCount: Int
    private let state = Mutex(State())
    /// One signal per queued task (and one per thread when stopping).
    private let available = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `threads` (at least one) threads named after `name`.
    public init(name: String, threads: Int) {
        self.name = name
        threadCount = max(threads, 1)
        for index in 1...threadCount {
            OSThread.start(name: "\(name)-\(index)") { [self] in run() }
        }
    }

    /// Runs `work` on one of the pool's threads, after the work submitted before it has started. After `stop`,
    /// `work` runs on the caller's thread at once, so nothing handed over is ever dropped.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.queue.append(work)
            state.unfinished += 1
            return true
        }
        guard accepted else { return work() }
        available.signal()
    }

    /// Waits until every task submitted so far, and every task they submitted, has finished.
    public func waitUntilIdle() {
        let waiter = state.withLock { state -> DispatchSemaphore? in
            guard state.unfinished > 0 else { return nil }
            let waiter = DispatchSemaphore(value: 0)
            state.idleWaiters.append(waiter)
            return waiter
        }
        waiter?.wait()
    }

    /// How many tasks are queued or running.
    public var unfinishedCount: Int { state.withLock { $0.unfinished } }

    /// Finishes the work already submitted, then stops the threads; later `submit`s run on the caller's thread.
    public func stop() {
        waitUntilIdle()
        let first = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        for _ in 0..<threadCount { available.signal() }
        for _ in 0..<threadCount { exited.wait() }
    }

    /// Lets the threads end once the work already submitted is done, without waiting for them; later `submit`s
    /// run on the caller's thread.
    public func retire() {
        let first = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        for _ in 0..<threadCount { available.signal() }
    }

    private func run() {
        while true {
            available.wait()
            let work = state.withLock { state -> (@Sendable () -> Void)? in
                guard state.head < state.queue.count else { return nil }
                let work = state.queue[state.head]
                state.queue[state.head] = nil
                state.head += 1
                // Reclaim the consumed front now and then, so the queue does not grow without end.
                if state.head >= 1024 && state.head * 2 >= state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return work
            }
            guard let work else {
                // Only `stop` signals without queuing work.
                exited.signal()
                return
            }
            work()
            let waiters = state.withLock { state -> [DispatchSemaphore] in
                state.unfinished -= 1
                guard state.unfinished == 0 else { return [] }
                defer { state.idleWaiters = [] }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.signal() }
        }
    }
}
