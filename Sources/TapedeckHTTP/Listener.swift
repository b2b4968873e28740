internal import CLinux
import Glibc
import TapedeckSystem

/// A bound, listening, non-blocking TCP socket.
final class Listener {
    let fd: Int32
    /// The port actually bound (the kernel's choice when 0 was asked for).
    let port: Int

    /// Binds `host:port` (a numeric address or a name such as `localhost`) and listens.
    init(host: String, port: Int, backlog: Int32 = 4096) throws(SystemError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SystemError("getaddrinfo", errno: rc == EAI_SYSTEM ? Glibc.errno : EINVAL, context: host)
        }
        defer { freeaddrinfo(list) }
        let address = "\(host):\(port)"
        let fd = try Syscall.call("socket") {
            socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        do throws(SystemError) {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            do throws(SystemError) {
                _ = try Syscall.call("bind") { bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) }
                _ = try Syscall.call("listen") { listen(fd, backlog) }
            } catch {
                throw SystemError(error.call, errno: error.errno, context: address)
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SystemError) in
                    try Syscall.call("getsockname") { getsockname(fd, address, &length) }
                }
            }
            let family = storage.ss_family
            let bound: UInt16 = withUnsafePointer(to: &storage) { pointer in
                if family == sa_family_t(AF_INET6) {
                    return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                }
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
            }
            self.fd = fd
            self.port = Int(UInt16(bigEndian: bound))
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    deinit {
        Syscall.close(fd)
    }
}
