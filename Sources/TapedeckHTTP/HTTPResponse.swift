/// A response to send: status, headers and a body whose length the writer adds.
public struct HTTPResponse: Sendable {
    public var status: Int { didSet { wire = nil } }
    public var headers: HTTPHeaders { didSet { wire = nil } }
    public var body: [UInt8] { didSet { wire = nil } }
    /// The whole response as sent on a connection kept alive (`prebuild`), for an answer sent many times; any change
    /// to status, headers or body drops it.
    private var wire: [UInt8]?

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Appends the status line, the headers, `Content-Length` (unless streaming) and the body to `out`.
    ///
    /// With `omitBody` (the answer to HEAD) the body is left out but `Content-Length` still gives its size. With
    /// `announceKeepAlive` (an HTTP/1.0 request's answer) a kept connection says so.
    func serialize(into out: inout [UInt8], keepAlive: Bool, announceKeepAlive: Bool = false, chunked: Bool = false, omitBody: Bool = false) {
        if let wire, keepAlive, !announceKeepAlive, !chunked, !omitBody {
            out.append(contentsOf: wire)
            return
        }
        out.reserveCapacity(out.count + 256 + body.count)
        Self.appendStatusLine(status, to: &out)
        headers.forEachField { name, value in
            guard !HTTPHeaders.equalsIgnoringCase(name, "Content-Length")
                && !HTTPHeaders.equalsIgnoringCase(name, "Transfer-Encoding")
                && !HTTPHeaders.equalsIgnoringCase(name, "Connection") else { return }
            out.append(contentsOf: name)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: value)
            out.append(0x0D)
            out.append(0x0A)
        }
        if chunked {
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        } else {
            out.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(body.count, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            // RFC 9112 §9.3 and Appendix C.2.2: an HTTP/1.0 connection is kept only when both sides say keep-alive.
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(0x0D)
        out.append(0x0A)
        // RFC 9112 §6.3: a response to HEAD never has content; RFC 9110 §8.6: its Content-Length is GET's.
        if !chunked && !omitBody { out.append(contentsOf: body) }
    }

    /// Serializes the response once for a kept-alive HTTP/1.1 connection, so each later send is one copy.
    public mutating func prebuild() {
        var bytes: [UInt8] = []
        serialize(into: &bytes, keepAlive: true)
        wire = bytes
    }

    /// The bytes `prebuild` keeps (0 when not prebuilt).
    public var prebuiltSize: Int { wire?.count ?? 0 }

    static func appendStatusLine(_ status: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status, to: &out)
        out.append(0x20)
        out.append(contentsOf: reasonPhrase(status).utf8)
        out.append(0x0D)
        out.append(0x0A)
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(0x30 + value))
            return
        }
        appendDecimal(value / 10, to: &out)
        out.append(UInt8(0x30 + value % 10))
    }

    /// The reason phrase for common statuses (RFC 9110 §15); clients ignore it.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 424: return "Failed Dependency"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}
