import Foundation
import Glibc
import Tapedeck

/// A blocking TCP client that writes hand-made HTTP bytes, for testing servers below what libcurl would send.
final class RawHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`.
    init(port: UInt16) throws {
        let fd = try Syscall.call("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        do {
            _ = try withUnsafePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    try Syscall.call("connect") { connect(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        } catch {
            Syscall.close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit {
        Syscall.close(fd)
    }

    /// Sends `text` as UTF-8.
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            offset += try bytes.withUnsafeBytes { raw in
                try Syscall.call("send") {
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
        }
    }

    /// Reads up to and including the next blank line (a response head, or a 100 Continue).
    func readHead() throws -> String {
        let terminator = Array("\r\n\r\n".utf8)
        while true {
            if let end = (0..<max(0, buffer.count - 3)).first(where: { Array(buffer[$0..<($0 + 4)]) == terminator }) {
                let head = String(decoding: buffer[..<(end + 4)], as: UTF8.self)
                buffer.removeFirst(end + 4)
                return head
            }
            guard try fill() else { return String(decoding: buffer, as: UTF8.self) }
        }
    }

    /// Reads one response with a Content-Length body: the head as text and the body as text.
    func readResponse() throws -> (head: String, body: String) {
        let head = try readHead()
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        let length = lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        while buffer.count < length {
            guard try fill() else { break }
        }
        let body = String(decoding: buffer.prefix(length), as: UTF8.self)
        buffer.removeFirst(min(length, buffer.count))
        return (head, body)
    }

    /// Reads everything until the server closes the connection.
    func readToEnd() throws -> String {
        while try fill() {}
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let received = try chunk.withUnsafeMutableBytes { raw in
            try Syscall.call("recv") { recv(fd, raw.baseAddress, raw.count, 0) }
        }
        buffer += chunk[..<received]
        return received > 0
    }
}

/// Runs blocking `body` on a thread of its own and suspends until it returns, keeping Swift's pool free.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
