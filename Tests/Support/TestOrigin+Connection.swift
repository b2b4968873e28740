import Glibc
import TapedeckSystem
import TapedeckHTTP

extension TestOrigin {
    /// A malformed or oversized request; the origin drops the connection.
    struct ProtocolError: Error, CustomStringConvertible {
        /// What was wrong.
        let description: String
    }

    /// One accepted blocking socket: reads whole HTTP/1.1 requests, writes raw bytes.
    final class Connection {
        /// Largest request head accepted.
        package static let maxHeadBytes = 64 * 1024
        private static let crlf: [UInt8] = [0x0D, 0x0A]

        private let fd: Int32
        private var buffer: [UInt8] = []
        private var start = 0

        /// Wraps an accepted socket; the caller closes it.
        package init(fd: Int32) {
            self.fd = fd
        }

        /// Reads the next request, sending `100 Continue` first when it carries `Expect: 100-continue` and a body.
        /// Answers `nil` when the peer closed the connection between requests.
        package func readRequest() throws -> Request? {
            guard let head = try readHead() else { return nil }
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let parts = lines[0].split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3 else { throw ProtocolError(description: "bad request line \(lines[0])") }
            var headers = HTTPHeaders()
            for line in lines.dropFirst() where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw ProtocolError(description: "bad field \(line)") }
                let value = line[line.index(after: colon)...]
                headers.add(String(line[..<colon]), Connection.trimmed(value))
            }
            var request = Request(method: String(parts[0]), path: String(parts[1]), version: String(parts[2]),
                                  headers: headers, body: [])
            let chunked = request.header("Transfer-Encoding")?.lowercased().contains("chunked") ?? false
            let length = try request.header("Content-Length").map { text -> Int in
                guard let value = Int(text), value >= 0 else { throw ProtocolError(description: "bad Content-Length") }
                return value
            } ?? 0
            // RFC 9110 §10.1.1: answer 100 Continue before reading a body the client is holding back.
            if request.header("Expect")?.lowercased() == "100-continue", chunked || length > 0 {
                try write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
            // RFC 9112 §6.3: chunked framing wins over Content-Length.
            let body = chunked ? try readChunkedBody() : try read(count: length)
            request = Request(method: request.method, path: request.path, version: request.version,
                              headers: request.headers, body: body)
            return request
        }

        /// Makes the coming close(2) send RST instead of FIN: SO_LINGER on, with a zero timeout (socket(7)).
        package func resetOnClose() {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }

        /// Sends every byte, retrying short writes; MSG_NOSIGNAL so a closed peer gives EPIPE, not SIGPIPE.
        package func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let sent = try bytes.withUnsafeBytes { raw in
                    try Syscall.call("send") {
                        Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    }
                }
                offset += sent
            }
        }

        /// The head up to (not including) the blank line, as text; `nil` on a clean close before any byte.
        private func readHead() throws -> String? {
            let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
            var scanned = 0
            while true {
                if let end = firstIndex(of: terminator, from: start + scanned) {
                    let head = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = end + terminator.count
                    return head
                }
                // `fill()` may move the unread bytes to the front, so remember progress relative to `start`.
                scanned = max(0, buffer.count - start - terminator.count + 1)
                guard buffer.count - start <= Connection.maxHeadBytes else {
                    throw ProtocolError(description: "request head too large")
                }
                guard try fill() else {
                    if buffer.count == start { return nil }
                    throw ProtocolError(description: "connection closed inside a request head")
                }
            }
        }

        /// RFC 9112 §7.1: hex size lines, data, CRLF; a zero size ends it, then trailer fields to a blank line.
        private func readChunkedBody() throws -> [UInt8] {
            var body: [UInt8] = []
            while true {
                let sizeLine = try readLine()
                let hex = sizeLine.prefix { $0 != ";" }.trimmingPrefix(while: { $0 == " " })
                guard let size = Int(hex.filter { $0 != " " }, radix: 16), size >= 0 else {
                    throw ProtocolError(description: "bad chunk size \(sizeLine)")
                }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    return body
                }
                body += try read(count: size)
                guard try read(count: 2) == Connection.crlf else { throw ProtocolError(description: "chunk without CRLF") }
            }
        }

        private func readLine() throws -> String {
            while true {
                if let end = firstIndex(of: Connection.crlf, from: start) {
                    let line = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = end + 2
                    return line
                }
                guard try fill() else { throw ProtocolError(description: "connection closed inside a chunked body") }
            }
        }

        private func read(count: Int) throws -> [UInt8] {
            while buffer.count - start < count {
                guard try fill() else { throw ProtocolError(description: "connection closed inside a body") }
            }
            let bytes = Array(buffer[start..<(start + count)])
            start += count
            return bytes
        }

        /// Reads more bytes into the buffer; `false` at end of stream.
        private func fill() throws -> Bool {
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let received = try chunk.withUnsafeMutableBytes { raw in
                try Syscall.call("recv") { Glibc.recv(fd, raw.baseAddress, raw.count, 0) }
            }
            buffer += chunk[..<received]
            return received > 0
        }

        /// `text` without leading or trailing spaces and tabs (RFC 9110 §5.5 OWS).
        private static func trimmed(_ text: Substring) -> String {
            let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
            guard let first = text.firstIndex(where: { !isSpace($0) }),
                  let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
            return String(text[first...last])
        }

        private func firstIndex(of pattern: [UInt8], from offset: Int) -> Int? {
            guard buffer.count >= pattern.count, offset <= buffer.count - pattern.count else { return nil }
            for index in offset...(buffer.count - pattern.count)
            where buffer[index] == pattern[0] && buffer[index..<(index + pattern.count)].elementsEqual(pattern) {
                return index
            }
            return nil
        }
    }
}
