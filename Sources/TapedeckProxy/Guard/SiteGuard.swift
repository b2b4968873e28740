import TapedeckSystem
import TapedeckHTTP

/// Keeps web pages out: a page the developer has open in a browser can make it send requests to Tapedeck's
/// loopback port, by DNS rebinding (the page's own name now points at 127.0.0.1) or by plain cross-site requests
/// (a form post, a `no-cors` fetch). Each refusal below closes one of those doors; none of them refuses a request a
/// Bedrock client (boto3, the AWS CLI, an SDK, Bifrost) or the cassette browser's own page sends.
///
/// 1. `Host` must be one of the names the server answers to, when it has a list (`--allowed-host`, and always on a
///    loopback address): a rebinding page's requests carry the page's own name.
/// 2. `Origin`, when sent, must be the server's own; `Sec-Fetch-Site` must not say `cross-site` or `same-site`:
///    browsers send these on every request a page makes to another origin and cannot be made to leave them out.
/// 3. A model route refuses a body a page can post without a CORS preflight (`text/plain`, a form, or no type)
///    unless the request carries `Authorization` or an `X-Amz-*` header, which a page cannot add without one.
public struct SiteGuard: Sendable, Equatable {
    /// The host names (lower-cased, IPv6 literals in brackets, without ports) a request's `Host` may name; nil
    /// lets any `Host` in (a non-loopback address guarded by `--auth-token` alone).
    public var allowedHosts: Set<String>?

    /// The names every loopback server answers to.
    public static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    /// A guard whose `Host` list is `loopbackNames`, plus `extra` and `bound` (the listening address, when it is
    /// another loopback one such as 127.0.0.2).
    public static func loopback(bound: String? = nil, extra: [String] = []) -> SiteGuard {
        var names = loopbackNames
        if let bound { names.insert(hostName(bound)) }
        for name in extra { names.insert(hostName(name)) }
        return SiteGuard(allowedHosts: names)
    }

    /// Creates a guard; nil `allowedHosts` checks no `Host`.
    public init(allowedHosts: Set<String>?) {
        self.allowedHosts = allowedHosts
    }

    /// A name as `allowedHosts` keeps it: lower-cased, an IPv6 literal in brackets.
    public static func hostName(_ name: String) -> String {
        let lowered = asciiLowercased(name)
        return lowered.contains(":") && !lowered.hasPrefix("[") ? "[\(lowered)]" : lowered
    }

    /// Why `request` is refused before anything else looks at it (a `Host` not on the list, a cross-site
    /// `Origin` or `Sec-Fetch-Site`), or nil when it may go on.
    public func refusal(_ request: HTTPRequest) -> String? {
        if let allowedHosts {
            // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (the parser refuses others); HTTP/1.0 may have
            // none, and a browser always sends one, so a request without it is no page's.
            // Compared in place, byte by byte, against the few allowed names: nothing is allocated on a hit's path.
            let allowed = request.headers.withValue("Host") { host in allowedHosts.contains { Self.host(host, names: $0) } }
            if allowed == false, let host = request.headers["Host"] {
                return "Host \(Self.quoted(host)) is not a name this Tapedeck server answers to (\(Self.listed(allowedHosts))), "
                    + "so it is refused as a DNS-rebinding web page's request would be; to reach it by this name, start it with --allowed-host NAME"
            }
        }
        if request.headers.contains("Origin") {
            let host = request.headers["Host"]
            let origins = request.headers.values("Origin")
            // RFC 6454 §7.3: Origin is one serialized origin, "null" for an opaque one (a sandboxed frame, a file).
            guard origins.count == 1, let host, Self.isSameOrigin(origins[0], host: host) else {
                return "a request from the web page at \(Self.quoted(origins[0])) is refused: only Tapedeck's own page may call it from a browser"
            }
        }
        // Fetch Metadata (W3C): what the browser says of the request's initiator; same-origin and none (a typed URL)
        // are the page's own or the user's.
        if let site = request.headers["Sec-Fetch-Site"].map(Self.asciiLowercased), site == "cross-site" || site == "same-site" {
            return "a \(site) request from a web page is refused: only Tapedeck's own page may call it from a browser"
        }
        return nil
    }

    /// Why a request for a model route (recorded or passed through) is refused for the type of its body, or nil.
    public func bodyRefusal(_ request: HTTPRequest) -> String? {
        guard request.method != "GET" && request.method != "HEAD" else { return nil }
        // Fetch §2.2.2 (CORS-safelisted request-header): these are the types a page may post cross-site without a
        // preflight; Authorization and X-Amz-* are not safelisted, so a request carrying one is no page's.
        // No type at all is "" (a simple one); the value is read in place.
        let simple: String?? = request.headers.withValue("Content-Type", Self.simpleType(bytes:))
        guard let type = simple ?? "" else { return nil }
        let signed = request.headers.contains { field in
            HTTPHeaders.equalsIgnoringCase(field.name, "Authorization") || Self.asciiLowercased(field.name).hasPrefix("x-amz-")
        }
        guard !signed else { return nil }
        let sent = type.isEmpty ? "no Content-Type" : "Content-Type \(type)"
        return "a body with \(sent) and neither Authorization nor an X-Amz-* header is what a web page can post to any site, so it is refused; send Content-Type: application/json (curl: -H 'Content-Type: application/json')"
    }

    /// The body types a cross-site page can send without a CORS preflight, besides none at all.
    static let simpleTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]

    /// Which of `simpleTypes` the `Content-Type` value `value` is ("" for no type at all), or nil when it is
    /// another. Compared in place, without case, parameters and surrounding whitespace ignored: nothing is made for
    /// the `application/json` of every Bedrock request.
    static func simpleType(_ value: String?) -> String? {
        guard let value else { return "" }
        return HTTPHeaders.withUTF8(value, simpleType(bytes:))
    }

    /// `simpleType` of a value's bytes.
    static func simpleType(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var start = bytes.startIndex
        while start != bytes.endIndex, isSpace(bytes[start]) { start = bytes.index(after: start) }
        var end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        while end != start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        let type = bytes[start..<end]
        if type.isEmpty { return "" }
        return simpleTypes.first { name in
            name.utf8.count == type.count && zip(name.utf8, type).allSatisfy { $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 | 0x20 : $1) }
        }
    }

    /// The name in a `Host` value (RFC 9110 §7.2: uri-host [":" port]), as `allowedHosts` keeps names; nil when it
    /// is not one. Read as bytes: a Character would join a combining mark to the ":" or "]" before it.
    package static func name(ofHost host: String) -> String? {
        let value = Array(asciiLowercased(host).utf8)
        let colon = UInt8(ascii: ":")
        if value.first == UInt8(ascii: "[") {
            guard let close = value.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            guard close + 1 == value.count || isPort(value[(close + 1)...]) else { return nil }
            return String(decoding: value[...close], as: UTF8.self)
        }
        guard let last = value.lastIndex(of: colon) else { return value.isEmpty ? nil : String(decoding: value, as: UTF8.self) }
        let name = value[..<last]
        guard !name.isEmpty, !name.contains(colon), isPort(value[last...]) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    /// Whether `host` (a `Host` value) names `name` (lower-case, as `allowedHosts` keeps it), with or without a
    /// port: what `name(ofHost:)` would say, without making a string.
    static func host(_ host: String, names name: String) -> Bool {
        HTTPHeaders.withUTF8(host) { Self.host($0, names: name) }
    }

    /// `host(_:names:)` of a `Host` value's bytes.
    static func host(_ host: UnsafeBufferPointer<UInt8>, names name: String) -> Bool {
        var bytes = host.makeIterator()
        for expected in name.utf8 {
            guard let byte = bytes.next(), (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected else { return false }
        }
        guard let colon = bytes.next() else { return true }
        guard colon == UInt8(ascii: ":") else { return false }
        var digits = 0
        while let byte = bytes.next() {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), digits < 5 else { return false }
            digits += 1
        }
        return digits > 0
    }

    /// Whether `bytes` are ":" and 1-5 digits.
    private static func isPort(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.count <= 6 && bytes.first == UInt8(ascii: ":")
            && bytes.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Whether `origin` (RFC 6454: scheme "://" host [":" port]) names the server `host` (a `Host` value) is: the
    /// same authority over http or https, a scheme's default port the same as none; compared byte for byte.
    package static func isSameOrigin(_ origin: String, host: String) -> Bool {
        let value = Array(asciiLowercased(origin).utf8)
        let scheme: [UInt8], defaultPort: [UInt8]
        if value.starts(with: "http://".utf8) {
            (scheme, defaultPort) = (Array("http://".utf8), Array(":80".utf8))
        } else if value.starts(with: "https://".utf8) {
            (scheme, defaultPort) = (Array("https://".utf8), Array(":443".utf8))
        } else {
            return false
        }
        func trimmed(_ authority: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            authority.count >= defaultPort.count && authority.suffix(defaultPort.count).elementsEqual(defaultPort)
                ? authority.dropLast(defaultPort.count) : authority
        }
        return trimmed(value.dropFirst(scheme.count)).elementsEqual(trimmed(Array(asciiLowercased(host).utf8)[...]))
    }

    /// `text` with A-Z as a-z and nothing else changed: host names, schemes and media types are ASCII and compared
    /// without case (RFC 9110 §4.2.3, §8.3.1), and full Unicode lower-casing depends on context (a final sigma).
    package static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// `text` quoted, cut to 100 characters and with control characters escaped: it came from the client.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 100 ? String(text.prefix(100)) + "…" : text
        return String(reflecting: cut)
    }

    /// The allowed names, sorted, for a message.
    private static func listed(_ names: Set<String>) -> String {
        names.sorted().joined(separator: ", ")
    }
}
