internal import CLinux
import Dispatch
import Glibc

/// A named POSIX thread running one closure: what the server's long-lived threads (event loops, the upstream
/// client, the usage ledger, the start-up indexer) need, without Foundation's `Thread`, so the binary does not load
/// Foundation at all (about 9 MiB of resident memory for its libraries and ICU).
public enum OSThread {
    /// Starts a detached thread named `name` (Linux keeps the first 15 bytes) running `body`; `stackSize` in bytes,
    /// or the system's default when nil. The name is set before this returns.
    public static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN))) }
        let named = DispatchSemaphore(value: 0)
        let box = Unmanaged.passRetained(Box(named: named, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.named.wait()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            preconditionFailure("pthread_create failed: \(SystemError("pthread_create", errno: rc))")
        }
        // Named here, before `start` returns, so the name is there as soon as anyone can look; the thread waits for
        // it, so it cannot have exited (and its handle gone stale) before it is named.
        _ = tapedeck_set_thread_name(thread, name)
        named.signal()
    }

    private final class Box {
        let named: DispatchSemaphore
        let body: @Sendable () -> Void

        init(named: DispatchSemaphore, body: @escaping @Sendable () -> Void) {
            self.named = named
            self.body = body
        }
    }
}
