import Foundation
import Glibc
import TapedeckSystem
import TapedeckHTTP

/// A blocking TCP client for tests that need exact bytes on the wire: send anything, read responses back.
package final class RawClient {
    package let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; a `receiveBuffer` (SO_RCVBUF, set before connecting so the window is
    /// small from the start) makes a large answer wait in the server's buffers instead of arriving at once.
    package init(port: Int, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer.map({ Int32($0) }) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { throw SystemError("connect", errno: errno) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Takes over an already connected blocking socket, e.g. one end of a socketpair.
    package init(connected fd: Int32) {
        self.fd = fd
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    /// Whether anything from the server (bytes, or its end of the connection) is waiting to be read now.
    package var hasSomethingToRead: Bool {
        guard buffer.isEmpty else { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// Sends all of `bytes`.
    package func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 { throw SystemError("send", errno: errno) }
            sent += n
        }
    }

    /// Sends a string's UTF-8 bytes.
    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Makes closing this client send RST instead of FIN (SO_LINGER on with a zero timeout), as a crashed or
    /// killed client's connection ends.
    package func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Whether a read would not block: some of an answer (or the end of the connection) has arrived.
    package var isReadable: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return !buffer.isEmpty || poll(&entry, 1, 0) > 0
    }

    /// Half-closes the sending side.
    package func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one response (Content-Length, chunked, or up to EOF); nil when the server closed first.
    /// With `bodyless` (the answer to HEAD, RFC 9112 §6.3) the response ends with its head.
    package func readResponse(bodyless: Bool = false) throws -> RawResponse? {
        while true {
            if let (response, used) = RawResponse.parse(buffer, bodyless: bodyless) {
                buffer.removeFirst(used)
                return response
            }
            guard try fill() else {
                defer { buffer.removeAll() }
                return RawResponse.parseUntilEOF(buffer)
            }
        }
    }

    /// Reads the raw bytes up to and including the next blank line (a response head, or a 100 Continue).
    package func readHead() throws -> String {
        while true {
            if let end = RawResponse.find(buffer, [13, 10, 13, 10], from: 0) {
                let head = String(decoding: buffer[..<(end + 4)], as: UTF8.self)
                buffer.removeFirst(end + 4)
                return head
            }
            guard try fill() else { return String(decoding: buffer, as: UTF8.self) }
        }
    }

    /// Reads one chunk of a chunked body after `readHead()`; nil at the last (zero-size) chunk or when the server
    /// closed the connection first.
    package func readChunk() throws -> [UInt8]? {
        if case .chunk(let bytes) = try nextChunk() { return bytes }
        return nil
    }

    /// Reads a chunked response: its head, then every chunk; `finished` tells the zero-size last chunk (a clean end)
    /// from the server closing the connection first (a stream cut short).
    package func readStream() throws -> (head: String, chunks: [[UInt8]], finished: Bool) {
        let head = try readHead()
        var chunks: [[UInt8]] = []
        while true {
            switch try nextChunk() {
            case .chunk(let bytes): chunks.append(bytes)
            case .last: return (head, chunks, true)
            case .closed: return (head, chunks, false)
            }
        }
    }

    /// What the next piece of a chunked body was.
    private enum ChunkRead {
        case chunk([UInt8])
        case last
        case closed
    }

    private func nextChunk() throws -> ChunkRead {
        while true {
            if let lineEnd = RawResponse.find(buffer, [13, 10], from: 0),
               let size = Int(String(decoding: buffer[0..<lineEnd], as: UTF8.self), radix: 16) {
                let start = lineEnd + 2
                if size == 0 {
                    if buffer.count >= start + 2 { buffer.removeFirst(start + 2); return .last }
                } else if buffer.count >= start + size + 2 {
                    let chunk = Array(buffer[start..<(start + size)])
                    buffer.removeFirst(start + size + 2)
                    return .chunk(chunk)
                }
            }
            guard try fill() else { return .closed }
        }
    }

    /// Reads the raw bytes that remain until the server closes the connection.
    package func readToEnd() throws -> String {
        while try fill() {}
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65536, 0) }
        if n < 0 { throw SystemError("recv", errno: errno) }
        buffer.append(contentsOf: chunk[0..<n])
        return n > 0
    }

    /// Reads until the server closes the connection; true when it did (rather than timing out).
    package func readUntilClosed() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65536, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}

/// A response as read off the wire by `RawClient`.
package struct RawResponse {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// The body's pieces as the chunked framing delivered them (empty when not chunked).
    package var chunks: [[UInt8]]

    package var text: String { String(decoding: body, as: UTF8.self) }

    package static func parse(_ bytes: [UInt8], bodyless: Bool = false) -> (RawResponse, Int)? {
        guard let (status, headers, headEnd) = head(bytes) else { return nil }
        if status == 100 {
            guard let (rest, used) = parse(Array(bytes[headEnd...]), bodyless: bodyless) else { return nil }
            return (rest, headEnd + used)
        }
        if bodyless { return (RawResponse(status: status, headers: headers, body: [], chunks: []), headEnd) }
        if let length = headers["Content-Length"].flatMap({ Int($0) }) {
            guard bytes.count >= headEnd + length else { return nil }
            return (RawResponse(status: status, headers: headers, body: Array(bytes[headEnd..<(headEnd + length)]), chunks: []), headEnd + length)
        }
        if headers["Transfer-Encoding"] == "chunked" {
            var at = headEnd
            var chunks: [[UInt8]] = []
            while true {
                guard let lineEnd = find(bytes, [13, 10], from: at) else { return nil }
                guard let size = Int(String(decoding: bytes[at..<lineEnd], as: UTF8.self), radix: 16) else { return nil }
                at = lineEnd + 2
                if size == 0 {
                    guard bytes.count >= at + 2 else { return nil }
                    return (RawResponse(status: status, headers: headers, body: chunks.flatMap { $0 }, chunks: chunks), at + 2)
                }
                guard bytes.count >= at + size + 2 else { return nil }
                chunks.append(Array(bytes[at..<(at + size)]))
                at += size + 2
            }
        }
        return nil
    }

    package static func parseUntilEOF(_ bytes: [UInt8]) -> RawResponse? {
        guard let (status, headers, headEnd) = head(bytes) else { return nil }
        return RawResponse(status: status, headers: headers, body: Array(bytes[headEnd...]), chunks: [])
    }

    private static func head(_ bytes: [UInt8]) -> (Int, HTTPHeaders, Int)? {
        guard let end = find(bytes, [13, 10, 13, 10], from: 0) else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        return (status, headers, end + 4)
    }

    package static func find(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
