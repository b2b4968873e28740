import Glibc

/// Who a process is, in terms another process can check: its pid, when it started (so a reused pid is told from
/// the process that had it before), and the machine and boot it runs in (a pid means nothing anywhere else).
public struct ProcessIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The process id.
    public var pid: Int32
    /// When the process started, in clock ticks since boot: field 22 (`starttime`) of `/proc/<pid>/stat`
    /// (proc_pid_stat(5)); 0 when it could not be read.
    public var startTicks: UInt64
    /// The kernel's `/proc/sys/kernel/random/boot_id`: the same host keeps it until it reboots.
    public var bootId: String
    /// The host name (gethostname(2)): containers on one kernel share the boot id and pid numbers mean different
    /// processes in each, so both must match before a pid is looked at.
    public var host: String

    /// Creates an identity from its parts (as read back from a lease a process wrote).
    public init(pid: Int32, startTicks: UInt64, bootId: String, host: String) {
        self.pid = pid
        self.startTicks = startTicks
        self.bootId = bootId
        self.host = host
    }

    /// This process.
    public static let current = ProcessIdentity(
        pid: getpid(), startTicks: startTicks(of: getpid()) ?? 0, bootId: readBootId(), host: hostName())

    public var description: String { "pid \(pid) on \(host)" }

    /// Whether the process is certainly gone: it ran on this host since its last boot, and either no process has
    /// its pid (kill(2) with signal 0 fails with ESRCH) or the one that has it now started at another time.
    /// A process elsewhere, or one this process may not see, is never called gone.
    public var isGone: Bool {
        let here = ProcessIdentity.current
        guard host == here.host, bootId == here.bootId, !bootId.isEmpty else { return false }
        // kill(2): signal 0 checks that the pid exists without sending anything; EPERM means it exists.
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard startTicks != 0, let started = Self.startTicks(of: pid) else { return false }
        return started != startTicks
    }

    /// Field 22 of `/proc/<pid>/stat`: the process's start time in clock ticks after boot; nil when unreadable.
    public static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // proc_pid_stat(5): field 2 is the command in parentheses and may itself hold spaces and ')', so fields
        // are counted after the last ')': the first after it is field 3.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The boot id without its newline; empty when the kernel does not offer one.
    private static func readBootId() -> String {
        (readSmallFile("/proc/sys/kernel/random/boot_id") ?? "").split(separator: "\n").first.map(String.init) ?? ""
    }

    /// gethostname(2), or empty when it fails.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first 4 KiB of a `/proc` file as text (their sizes read as 0, so they are read until end of file).
    private static func readSmallFile(_ path: String) -> String? {
        do {
            return String(decoding: try Syscall.readPrefix(path, count: 4096), as: UTF8.self)
        } catch {
            return nil
        }
    }
}
