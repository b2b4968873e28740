/// Parses a request line and header lines (RFC 9112 §3 and §5), every line ending in CRLF.
enum HeadParser {
    /// Parses `bytes`, which hold the request line and headers each ending in CRLF, without the final empty line.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPRequestHead {
        guard let lineEnd = RequestParser.find(crlf: bytes, from: 0) else { throw .badRequest("missing request line") }
        var head = try requestLine(UnsafeBufferPointer(rebasing: bytes[0..<lineEnd]))
        // The header lines' bytes are kept once; each field is offsets into them, so no String is made per field.
        var spans: [HTTPHeaders.Span] = []
        spans.reserveCapacity(16)
        var at = lineEnd + 2
        let fieldsStart = at
        while at < bytes.count {
            guard let end = RequestParser.find(crlf: bytes, from: at) else { throw .badRequest("malformed header line") }
            var span = try field(UnsafeBufferPointer(rebasing: bytes[at..<end]))
            let shift = UInt32(at - fieldsStart)
            span.nameStart += shift
            span.nameEnd += shift
            span.valueStart += shift
            span.valueEnd += shift
            spans.append(span)
            at = end + 2
        }
        head.headers = HTTPHeaders(bytes: Array(UnsafeBufferPointer(rebasing: bytes[fieldsStart...])), spans: spans)
        if head.minorVersion >= 1 {
            // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is answered 400.
            let hosts = head.headers.count(of: "Host")
            if hosts != 1 { throw .badRequest(hosts == 0 ? "missing Host header" : "more than one Host header") }
        }
        return head
    }

    private static func requestLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPRequestHead {
        guard let firstSpace = line.firstIndex(of: 0x20), firstSpace > 0 else { throw .badRequest("malformed request line") }
        for byte in line[0..<firstSpace] where !isTokenByte(byte) { throw .badRequest("malformed request method") }
        let rest = firstSpace + 1
        guard let secondSpace = line[rest...].firstIndex(of: 0x20), secondSpace > rest else {
            throw .badRequest("malformed request line")
        }
        // RFC 9112 §3.2 and RFC 3986 §2: a request-target is visible ASCII only; raw bytes ≥ 0x80 (non-ASCII, maybe
        // not even UTF-8) must be percent-encoded. Decoding them lossily let `/model/\xFF/converse` reach the origin.
        for byte in line[rest..<secondSpace] where byte <= 0x20 || byte >= 0x7F {
            throw .badRequest("malformed request target")
        }
        let version = line[(secondSpace + 1)...]
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        guard version.count == 8, version.starts(with: prefix) else {
            if version.starts(with: Array("HTTP/".utf8)) { throw HTTPError(status: 505, "only HTTP/1.0 and HTTP/1.1 are supported") }
            throw .badRequest("malformed HTTP version")
        }
        let minor = version[version.startIndex + 7]
        guard minor == 0x30 || minor == 0x31 else { throw HTTPError(status: 505, "only HTTP/1.0 and HTTP/1.1 are supported") }
        let method = String(decoding: line[0..<firstSpace], as: UTF8.self)
        let target = originForm(String(decoding: line[rest..<secondSpace], as: UTF8.self))
        return HTTPRequestHead(method: method, target: target, minorVersion: Int(minor - 0x30))
    }

    /// RFC 9112 §3.2.2: a server accepts absolute-form; keep only the path and query.
    private static func originForm(_ target: String) -> String {
        guard target.hasPrefix("http://") || target.hasPrefix("https://") else { return target }
        let afterScheme = target.index(target.firstIndex(of: ":")!, offsetBy: 3)
        guard let slash = target[afterScheme...].firstIndex(of: "/") else { return "/" }
        return String(target[slash...])
    }

    /// Where the line's name and trimmed value lie, as offsets into the line.
    private static func field(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPHeaders.Span {
        // RFC 9112 §5.2: obsolete line folding is rejected.
        if let first = line.first, first == 0x20 || first == 0x09 { throw .badRequest("obsolete header line folding") }
        guard let colon = line.firstIndex(of: 0x3A), colon > 0 else { throw .badRequest("malformed header line") }
        // RFC 9112 §5.1: no whitespace between a field name and the colon.
        for byte in line[0..<colon] where !isTokenByte(byte) { throw .badRequest("malformed header name") }
        var start = colon + 1, end = line.count
        while start < end, line[start] == 0x20 || line[start] == 0x09 { start += 1 }
        while end > start, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
        // RFC 9110 §5.5: CR, LF and NUL are never valid in a field value.
        for byte in line[start..<end] where byte < 0x20 && byte != 0x09 {
            throw .badRequest("invalid character in header value")
        }
        return HTTPHeaders.Span(nameStart: 0, nameEnd: UInt32(colon), valueStart: UInt32(start), valueEnd: UInt32(end))
    }

    /// RFC 9110 §5.6.2 tchar (DIGIT, ALPHA and `!#$%&'*+-.^_`|~`): a bit per byte below 128, one word per 64 bytes.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        let word: UInt64 = byte < 64 ? 0x03FF_6CFA_0000_0000 : 0x57FF_FFFF_C7FF_FFFE
        return byte < 128 && (word >> UInt64(byte & 63)) & 1 == 1
    }
}
