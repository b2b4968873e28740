import CLinux
import Glibc

/// A named POSIX thread running one closure: what the server's long-lived threads (event loops, the upstream
/// client, the usage ledger, the start-up indexer) need, without Foundation's `Thread`, so the binary does not load
/// Foundation at all (about 9 MiB of resident memory for its libraries and ICU).
public enum OSThread {
    /// Starts a detached thread named `name` (Linux keeps the first 15 bytes) running `body`; `stackSize` in bytes,
    /// or the system's default when nil.
    public static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN))) }
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            tapedeck_set_thread_name(box.name)
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            preconditionFailure("pthread_create failed: \(SystemError("pthread_create", errno: rc))")
        }
    }

    private final class Box {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
