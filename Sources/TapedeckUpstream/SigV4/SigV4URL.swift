/// The parts of a request URL that SigV4 signs: the `Host` header value, the path and the query, as sent.
struct SigV4URL: Equatable {
    /// The scheme in lower case, e.g. `https`; empty when the URL has none.
    var scheme: String
    /// The `Host` header value: lower-case host, IPv6 literals in brackets, port only when not the scheme's default.
    var host: String
    /// The path exactly as it goes on the wire (already percent-encoded), `/` when the URL has none.
    var path: String
    /// The query after `?` exactly as it goes on the wire, without the fragment; empty when there is none.
    var query: String

    /// Splits `url` (`scheme://[userinfo@]host[:port]/path?query#fragment`) without decoding anything.
    init(_ url: String) {
        var rest = Substring(url)
        if let schemeEnd = rest.firstRange(of: "://") {
            scheme = rest[..<schemeEnd.lowerBound].lowercased()
            rest = rest[schemeEnd.upperBound...]
        } else {
            scheme = ""
        }
        // RFC 3986 §3.5: the fragment is never sent.
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        host = Self.hostHeader(authority: rest[..<authorityEnd], scheme: scheme)
        rest = rest[authorityEnd...]
        if let questionMark = rest.firstIndex(of: "?") {
            path = String(rest[..<questionMark])
            query = String(rest[rest.index(after: questionMark)...])
        } else {
            path = String(rest)
            query = ""
        }
        if path.isEmpty { path = "/" }
    }

    /// The `Host` value for an authority, as botocore's `_host_from_url` derives it.
    private static func hostHeader(authority: Substring, scheme: String) -> String {
        var hostAndPort = authority
        // RFC 3986 §3.2.1: userinfo ends at the last `@` and is never part of Host.
        if let at = hostAndPort.lastIndex(of: "@") { hostAndPort = hostAndPort[hostAndPort.index(after: at)...] }
        var host = hostAndPort
        var port: Substring = ""
        // RFC 3986 §3.2.2: an IPv6 literal is bracketed, so its colons do not start the port.
        let hostEnd = hostAndPort.hasPrefix("[")
            ? hostAndPort.firstIndex(of: "]").map { hostAndPort.index(after: $0) } ?? hostAndPort.endIndex
            : hostAndPort.firstIndex(of: ":") ?? hostAndPort.endIndex
        host = hostAndPort[..<hostEnd]
        if hostEnd < hostAndPort.endIndex, hostAndPort[hostEnd] == ":" {
            port = hostAndPort[hostAndPort.index(after: hostEnd)...]
        }
        let lowerHost = host.lowercased()
        // RFC 9110 §7.2: the port is omitted when it is the scheme's default.
        guard let number = Int(port), number != defaultPort(scheme) else { return lowerHost }
        return lowerHost + ":" + String(number)
    }

    private static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "https": 443
        case "http": 80
        default: nil
        }
    }
}
