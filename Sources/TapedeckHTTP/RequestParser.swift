import Glibc
import TapedeckSystem
/// An incremental HTTP/1.1 request parser: bytes in, at most one event out per call, nothing trusted.
///
/// Feed it the unconsumed part of the connection's buffer; it reports how many bytes it consumed and,
/// when one is ready, a request head (so `100 Continue` can be answered) or a complete request.
/// Call again until it returns no event: then it needs more bytes.
public struct RequestParser {
    /// Size limits enforced before the bytes they govern are buffered.
    public struct Limits: Sendable {
        /// Request line plus headers (431 beyond it).
        public var maxHeaderBytes: Int
        /// Decoded body (413 beyond it).
        public var maxBodyBytes: Int
        /// One chunk-size line of a chunked body.
        public var maxChunkLineBytes: Int

        /// Creates limits.
        public init(maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 64 * 1024 * 1024, maxChunkLineBytes: Int = 4096) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.maxChunkLineBytes = maxChunkLineBytes
        }
    }

    /// What a call to `parse` produced.
    public enum Event: Sendable {
        /// Headers are complete; the body may still be on its way.
        case head(HTTPRequestHead)
        /// The whole request, body included.
        case request(HTTPRequest)
    }

    private enum State: Equatable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    public let limits: Limits
    private var state = State.head
    private var scanned = 0
    private var trailerBytes = 0
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var startedAt: UInt64 = 0

    /// Creates a parser with the given limits.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether no part of a request has been seen since the last complete one.
    public var isIdle: Bool { state == .head && scanned == 0 && startedAt == 0 }

    /// When the first byte of a request whose head is not yet complete arrived (`MonotonicClock` nanoseconds); nil
    /// before that byte and once the head is whole. A head must arrive whole within the read timeout from here,
    /// however steadily it trickles in.
    public var headStartedAt: UInt64? { state == .head && startedAt != 0 ? startedAt : nil }

    /// Parses from the start of `input`; see the type's documentation for the calling convention.
    public mutating func parse(_ input: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (consumed: Int, event: Event?) {
        switch state {
        case .head:
            return try parseHead(input)
        case .fixedBody(let remaining):
            let take = min(remaining, input.count)
            if body.count + take > body.capacity {
                // The first reservation is at most 1 MiB; once the client has sent that much, the rest of the length
                // it announced is reserved in one step rather than by doubling (a 13 MiB body: one copy of 1 MiB, no
                // 16 MiB buffer). A client that only announces a size pins no more than it sent.
                body.reserveCapacity(body.count + remaining)
            }
            body.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<take]))
            if take == remaining { return (take, .request(finish())) }
            state = .fixedBody(remaining: remaining - take)
            return (take, nil)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return try parseChunked(input)
        }
    }

    private mutating func finish() -> HTTPRequest {
        let request = HTTPRequest(head: head!, body: body, receivedAt: startedAt)
        state = .head
        scanned = 0
        trailerBytes = 0
        head = nil
        body = []
        startedAt = 0
        return request
    }

    private mutating func parseHead(_ input: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (consumed: Int, event: Event?) {
        if startedAt == 0 && !input.isEmpty { startedAt = MonotonicClock.nanoseconds() }
        var skip = 0
        if scanned == 0 {
            // RFC 9112 §2.2: ignore empty lines received before the request line.
            while skip + 1 < input.count, input[skip] == 0x0D, input[skip + 1] == 0x0A { skip += 2 }
            // A CR that ends the bytes so far may begin another empty line: decide once the next byte is here,
            // or a CRLF split across two reads would count as the start of the request line.
            if skip + 1 == input.count, input[skip] == 0x0D { return (skip, nil) }
        }
        let bytes = UnsafeBufferPointer(rebasing: input[skip...])
        guard let end = Self.find(crlfcrlf: bytes, from: max(0, scanned - 3)) else {
            scanned = bytes.count
            if scanned > limits.maxHeaderBytes {
                throw HTTPError(status: 431, "request headers exceed \(limits.maxHeaderBytes) bytes")
            }
            return (skip, nil)
        }
        let headLength = end + 4
        if headLength > limits.maxHeaderBytes {
            throw HTTPError(status: 431, "request headers exceed \(limits.maxHeaderBytes) bytes")
        }
        let parsed = try HeadParser.parse(UnsafeBufferPointer(rebasing: bytes[0..<(end + 2)]))
        try enterBody(for: parsed)
        head = parsed
        return (skip + headLength, .head(parsed))
    }

    private mutating func enterBody(for head: HTTPRequestHead) throws(HTTPError) {
        let lengths = head.headers.count(of: "Content-Length")
        if head.headers.contains("Transfer-Encoding") {
            let encodings = head.headers.values("Transfer-Encoding")
            // RFC 9112 §6.1: a request with both is a smuggling attempt or a broken client; refuse it.
            if lengths > 0 { throw .badRequest("both Transfer-Encoding and Content-Length are present") }
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { String($0).trimmingSpaces }
            guard codings.count == 1, HTTPHeaders.equalsIgnoringCase(codings[0], "chunked") else {
                throw HTTPError(status: 501, "unsupported Transfer-Encoding: \(encodings.joined(separator: ", "))")
            }
            if head.minorVersion == 0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            state = .chunkSize
            return
        }
        var length = 0
        if lengths > 0 {
            // RFC 9110 §8.6: repeated values must all be the same valid number. Read in place, no strings made.
            var seen: Int?
            var valid = true
            head.headers.forEachValue("Content-Length") { value in
                var start = 0
                while valid && start <= value.count {
                    var end = start
                    while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
                    let number = Self.decimal(UnsafeBufferPointer(rebasing: value[start..<end]))
                    if let number, seen == nil || seen == number { seen = number } else { valid = false }
                    start = end + 1
                }
            }
            guard valid else { throw .badRequest("invalid Content-Length") }
            length = seen ?? 0
        }
        if length > limits.maxBodyBytes {
            throw HTTPError(status: 413, "request body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes) bytes")
        }
        body.reserveCapacity(min(length, 1 << 20))
        state = .fixedBody(remaining: length)
    }

    private mutating func parseChunked(_ input: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (consumed: Int, event: Event?) {
        var at = 0
        while true {
            switch state {
            case .chunkSize:
                guard let lineEnd = Self.find(crlf: input, from: at) else {
                    // A CR at the end may be the first half of the line's CRLF, which is not part of its length.
                    let pending = input.count - at - (input.last == 0x0D ? 1 : 0)
                    if pending > limits.maxChunkLineBytes { throw .badRequest("chunk size line too long") }
                    return (at, nil)
                }
                if lineEnd - at > limits.maxChunkLineBytes { throw .badRequest("chunk size line too long") }
                let size = try Self.chunkSize(UnsafeBufferPointer(rebasing: input[at..<lineEnd]))
                at = lineEnd + 2
                if size == 0 {
                    state = .trailers
                } else {
                    if size > limits.maxBodyBytes - body.count {
                        throw HTTPError(status: 413, "request body exceeds the limit of \(limits.maxBodyBytes) bytes")
                    }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = min(remaining, input.count - at)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[at..<(at + take)]))
                at += take
                if take < remaining {
                    state = .chunkData(remaining: remaining - take)
                    return (at, nil)
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard input.count - at >= 2 else { return (at, nil) }
                guard input[at] == 0x0D, input[at + 1] == 0x0A else { throw .badRequest("chunk data not followed by CRLF") }
                at += 2
                state = .chunkSize
            case .trailers:
                guard let lineEnd = Self.find(crlf: input, from: at) else {
                    if trailerBytes + input.count - at > limits.maxHeaderBytes {
                        throw HTTPError(status: 431, "request trailers exceed \(limits.maxHeaderBytes) bytes")
                    }
                    return (at, nil)
                }
                trailerBytes += lineEnd + 2 - at
                if trailerBytes > limits.maxHeaderBytes {
                    throw HTTPError(status: 431, "request trailers exceed \(limits.maxHeaderBytes) bytes")
                }
                let empty = lineEnd == at
                at = lineEnd + 2
                // RFC 9112 §7.1.2: trailer fields are read and discarded; the empty line ends the message.
                if empty { return (at, .request(finish())) }
            case .head, .fixedBody:
                preconditionFailure("parseChunked called outside a chunked body")
            }
        }
    }

    /// The value of 1 to 18 decimal digits with optional spaces and tabs around them, or nil.
    private static func decimal(_ part: UnsafeBufferPointer<UInt8>) -> Int? {
        var from = 0, to = part.count
        while from < to && (part[from] == 0x20 || part[from] == 0x09) { from += 1 }
        while to > from && (part[to - 1] == 0x20 || part[to - 1] == 0x09) { to -= 1 }
        guard to > from, to - from <= 18 else { return nil }
        var value = 0
        for byte in part[from..<to] {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// RFC 9112 §7.1: chunk-size is hex digits, optionally followed by `;` extensions (ignored).
    private static func chunkSize(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Int {
        var size = 0
        var digits = 0
        var index = 0
        while index < line.count, let digit = hexValue(line[index]) {
            guard digits < 15 else { throw HTTPError(status: 413, "chunk size too large") }
            size = size << 4 | digit
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .badRequest("invalid chunk size") }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index == line.count || line[index] == 0x3B else { throw .badRequest("invalid chunk size") }
        return size
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// The offset of the first CRLFCRLF at or after `from`.
    static func find(crlfcrlf bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = from
        let last = bytes.count - 4
        while i <= last {
            if bytes[i + 3] != 0x0A { i += bytes[i + 3] == 0x0D ? 1 : 4; continue }
            if bytes[i] == 0x0D, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x0D { return i }
            i += 1
        }
        return nil
    }

    /// The offset of the first CRLF at or after `from`.
    static func find(crlf bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = from
        // Each CR is found with memchr (vectorized in glibc), not a byte at a time: a head is searched line by line.
        while i + 1 < bytes.count {
            guard let cr = memchr(base + i, 0x0D, bytes.count - 1 - i) else { return nil }
            let at = base.distance(to: cr.assumingMemoryBound(to: UInt8.self))
            if bytes[at + 1] == 0x0A { return at }
            i = at + 1
        }
        return nil
    }
}
