import Glibc
import TapedeckSystem

/// Runs a program and collects what it prints, within a time limit and output limits: what `credential_process` needs.
///
/// The program is started with posix_spawnp(3) (found on `PATH` as execvp does, no shell), stdin inherited, stdout and
/// stderr read through pipes made close-on-exec so no other child inherits them. Past the deadline, or once stdout
/// passes its limit, the child is killed (SIGKILL) and reaped.
public struct ChildProcess: Sendable {
    /// What a finished run printed and how it ended.
    public struct Result: Sendable {
        /// The exit status, or nil when a signal ended it.
        public var exitStatus: Int32?
        /// The bytes written to stdout (at most the limit).
        public var stdout: [UInt8]
        /// The first bytes written to stderr.
        public var stderr: [UInt8]
    }

    /// The program and its arguments; `arguments[0]` is looked up on `PATH`.
    public var arguments: [String]
    /// The child's whole environment, as `NAME=value` pairs.
    public var environment: [String: String]
    /// The longest the child may run, in milliseconds.
    public var timeoutMs: Int
    /// The most stdout bytes accepted; more is an error.
    public var maxStdoutBytes: Int
    /// The most stderr bytes kept (the rest is read and dropped).
    public var maxStderrBytes = 1024

    /// A run of `arguments` with `environment`, bounded by `timeoutMs` and `maxStdoutBytes`.
    public init(arguments: [String], environment: [String: String], timeoutMs: Int, maxStdoutBytes: Int) {
        self.arguments = arguments
        self.environment = environment
        self.timeoutMs = timeoutMs
        self.maxStdoutBytes = maxStdoutBytes
    }

    /// Runs the program to its end; throws when it cannot start, runs too long, or prints too much.
    public func run() throws(CredentialError) -> Result {
        guard let program = arguments.first, !program.isEmpty else { throw CredentialError("the command is empty") }
        let out = try Self.pipe()
        let err: (read: Int32, write: Int32)
        do { err = try Self.pipe() } catch {
            Syscall.close(out.read)
            Syscall.close(out.write)
            throw error
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 1 and 2 clears close-on-exec there; the originals close at exec.
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // posix_spawn(3): a child keeps ignored signals ignored and the thread's signal mask; Tapedeck ignores SIGPIPE
        // and its threads block the signals it waits for, so the child gets the defaults and an empty mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        var rc = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        // ETXTBSY: a child another thread is starting still holds the program open for writing (it was just written,
        // and that child has not reached exec yet; golang/go#22315). It passes within milliseconds.
        for _ in 0..<5 where rc == ETXTBSY {
            usleep(20_000)
            rc = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        }
        Syscall.close(out.write)
        Syscall.close(err.write)
        guard rc == 0 else {
            Syscall.close(out.read)
            Syscall.close(err.read)
            throw CredentialError("cannot run \(program): \(String(cString: strerror(rc)))")
        }
        defer {
            Syscall.close(out.read)
            Syscall.close(err.read)
        }
        var result = Result(exitStatus: nil, stdout: [], stderr: [])
        let failure = collect(out: out.read, err: err.read, into: &result)
        if failure != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let failure { throw failure }
        // waitpid(2): WIFEXITED is (status & 0x7f) == 0, WEXITSTATUS is (status >> 8) & 0xff.
        result.exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
        return result
    }

    /// Reads both pipes until both close, the deadline passes or stdout is too long; the error, if any.
    private func collect(out: Int32, err: Int32, into result: inout Result) -> CredentialError? {
        let deadline = MonotonicClock.milliseconds() + UInt64(max(timeoutMs, 0))
        var open: [Int32] = [out, err]
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !open.isEmpty {
            let now = MonotonicClock.milliseconds()
            guard now < deadline else { return CredentialError("it ran longer than \(timeoutMs >= 1000 ? "\(timeoutMs / 1000) s" : "\(timeoutMs) ms") and was stopped") }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(deadline - now, 60_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                return CredentialError("poll failed: \(String(cString: strerror(errno)))")
            }
            for entry in fds where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                if entry.fd == out {
                    guard result.stdout.count + n <= maxStdoutBytes else {
                        return CredentialError("its output is larger than \(maxStdoutBytes) bytes")
                    }
                    result.stdout += buffer[..<n]
                } else if result.stderr.count < maxStderrBytes {
                    result.stderr += buffer[..<min(n, maxStderrBytes - result.stderr.count)]
                }
            }
        }
        return nil
    }

    private static func pipe() throws(CredentialError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else {
            throw CredentialError("pipe failed: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec right away (Glibc's Swift module has no pipe2): only credential fetches start children, one
        // at a time under `RefreshingCredentials`'s lock, so no other spawn can inherit these in between.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}
