import Foundation
import Glibc
import Tapedeck

/// What `/proc` tells about a running process: its open descriptors, its resident memory, its limits.
enum ProcessProbe {
    /// How many descriptors `pid` has open (entries of `/proc/<pid>/fd`), or nil when it cannot be read.
    static func openDescriptors(_ pid: Int32) -> Int? {
        guard let dir = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { count += 1 }
        }
        // The listing's own descriptor is among them when a process counts itself.
        return pid == getpid() ? count - 1 : count
    }

    /// The resident set size of `pid` in bytes (`VmRSS` in `/proc/<pid>/status`), or nil.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    private typealias Prlimit = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32

    /// prlimit(2), which Swift's Glibc module does not export (it is a GNU extension): looked up at run time.
    private static let prlimit: Prlimit? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prlimit") else { return nil }
        return unsafeBitCast(symbol, to: Prlimit.self)
    }()

    /// Sets the soft RLIMIT_FSIZE of another process to `bytes` (nil: unlimited), keeping its hard limit, so a
    /// test can make that process's writes past `bytes` fail (EFBIG) and later lift the limit again.
    static func setFileSizeLimit(_ pid: Int32, bytes: Int?) throws {
        guard let prlimit else { throw SystemError("dlsym prlimit", errno: ENOSYS) }
        var current = rlimit()
        guard prlimit(pid, Int32(RLIMIT_FSIZE.rawValue), nil, &current) == 0 else { throw SystemError("prlimit", errno: errno) }
        var wanted = current
        wanted.rlim_cur = bytes.map { rlim_t($0) } ?? current.rlim_max
        guard prlimit(pid, Int32(RLIMIT_FSIZE.rawValue), &wanted, nil) == 0 else { throw SystemError("prlimit", errno: errno) }
    }
}
