import TapedeckSystem
/// The request line and headers of one request, plus what the server derived from them.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, e.g. `POST`.
    public var method: String
    /// The request target exactly as sent, e.g. `/model/x/converse?a=b`.
    public var target: String { didSet { pathEnd = Self.split(target).path.endIndex } }
    /// Where `path` ends in `target`: found once, as the path is read several times per request.
    private var pathEnd: String.Index
    /// The minor version of HTTP/1.x.
    public var minorVersion: Int
    /// The header fields in order.
    public var headers: HTTPHeaders

    /// Creates a head.
    public init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.pathEnd = Self.split(target).path.endIndex
        self.minorVersion = minorVersion
        self.headers = headers
    }

    /// The target without its query string.
    public var path: Substring { target[..<pathEnd] }

    /// `target` cut at its first `?` into the path and the query after it (nil when there is no `?`). The `?` is
    /// found as a byte: a Character search walks grapheme clusters, and the path is read several times per request
    /// (callgrind put a third of a hit's instructions in that walk).
    public static func split(_ target: String) -> (path: Substring, query: Substring?) {
        var bytes = target
        guard let offset = bytes.withUTF8({ $0.firstIndex(of: UInt8(ascii: "?")) }) else { return (target[...], nil) }
        let mark = target.utf8.index(target.utf8.startIndex, offsetBy: offset)
        return (target[..<mark], target[target.index(after: mark)...])
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        if minorVersion >= 1 { return true }
        return headers.hasToken("keep-alive", in: "Connection")
    }

    /// Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        guard let value = headers["Expect"] else { return false }
        return HTTPHeaders.equalsIgnoringCase(value.trimmingSpaces, "100-continue")
    }
}

/// A complete request: head and body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// When the request's first byte was seen, in monotonic nanoseconds.
    public var receivedAt: UInt64

    /// Creates a request.
    public init(head: HTTPRequestHead, body: [UInt8] = [], receivedAt: UInt64 = MonotonicClock.nanoseconds()) {
        self.head = head
        self.body = body
        self.receivedAt = receivedAt
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var path: Substring { head.path }
    public var headers: HTTPHeaders { head.headers }
}
