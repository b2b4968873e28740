import Foundation
import Glibc
import TapedeckSystem

/// What `/proc` tells about a running process: its open descriptors, its resident memory, its limits.
package enum ProcessProbe {
    /// How many descriptors `pid` has open (entries of `/proc/<pid>/fd`), or nil when it cannot be read.
    package static func openDescriptors(_ pid: Int32) -> Int? {
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

    /// The TCP connections (not listeners) among `pid`'s descriptors, as local and remote ports: its descriptors'
    /// socket inodes looked up in `/proc/<pid>/net/tcp` (IPv4, which is all 127.0.0.1 uses).
    package static func tcpConnections(_ pid: Int32) -> [(local: Int, remote: Int)] {
        var inodes: Set<String> = []
        if let dir = opendir("/proc/\(pid)/fd") {
            defer { closedir(dir) }
            var target = [CChar](repeating: 0, count: 256)
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                let length = readlink("/proc/\(pid)/fd/\(name)", &target, target.count - 1)
                guard length > 0 else { continue }
                let link = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasPrefix("socket:[") { inodes.insert(String(link.dropFirst(8).dropLast())) }
            }
        }
        guard let table = try? String(contentsOfFile: "/proc/\(pid)/net/tcp", encoding: .utf8) else { return [] }
        var connections: [(local: Int, remote: Int)] = []
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, inodes.contains(String(fields[9])), fields[3] != "0A" else { continue }
            let port = { (address: Substring) in Int(address.split(separator: ":").last ?? "", radix: 16) ?? 0 }
            connections.append((port(fields[1]), port(fields[2])))
        }
        return connections
    }

    /// The resident set size of `pid` in bytes (`VmRSS` in `/proc/<pid>/status`), or nil.
    package static func residentBytes(_ pid: Int32) -> Int? {
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
    package static func setFileSizeLimit(_ pid: Int32, bytes: Int?) throws {
        guard let prlimit else { throw SystemError("dlsym prlimit", errno: ENOSYS) }
        var current = rlimit()
        guard prlimit(pid, Int32(RLIMIT_FSIZE.rawValue), nil, &current) == 0 else { throw SystemError("prlimit", errno: errno) }
        var wanted = current
        wanted.rlim_cur = bytes.map { rlim_t($0) } ?? current.rlim_max
        guard prlimit(pid, Int32(RLIMIT_FSIZE.rawValue), &wanted, nil) == 0 else { throw SystemError("prlimit", errno: errno) }
    }
}
