import TapedeckSystem
import TapedeckHTTP
import TapedeckProxy

/// Header values a client sends (split at NUL into `Host`, `Origin`, `Sec-Fetch-Site`, `Content-Type` and one more
/// header's name) through `SiteGuard`, as the engine asks it about every request.
///
/// Properties: a refusal is one line of bounded length whatever the client sent (no control character of its own
/// reaches a message or a log line); without `Origin` and `Sec-Fetch-Site`, a request is refused exactly when its
/// `Host` names no allowed name; the origin a page on the allowed name has is always the server's own; a body type
/// that is not one a page can post cross-site is never refused.
enum SiteGuardTarget {
    static func run(_ bytes: [UInt8]) {
        let fields = bytes.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        func field(_ index: Int) -> String? { index < fields.count && !fields[index].isEmpty ? fields[index] : nil }
        let guarded = SiteGuard.loopback(extra: ["tapedeck.test"])
        var headers: [(String, String)] = []
        if let host = field(0) { headers.append(("Host", host)) }
        if let origin = field(1) { headers.append(("Origin", origin)) }
        if let site = field(2) { headers.append(("Sec-Fetch-Site", site)) }
        if let type = field(3) { headers.append(("Content-Type", type)) }
        if let name = field(4) { headers.append((name, "1")) }
        let request = HTTPRequest(head: HTTPRequestHead(method: "POST", target: "/model/m/converse", headers: HTTPHeaders(headers)))

        for message in [guarded.refusal(request), guarded.bodyRefusal(request)].compactMap({ $0 }) {
            Property.check(message.count <= 1000, "a refusal of \(message.count) characters")
            Property.check(!message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                           "a refusal holds a control character: \(String(reflecting: message.prefix(200)))")
        }
        let extraIsGuarded = field(4).map { ["host", "origin", "sec-fetch-site"].contains(SiteGuard.asciiLowercased($0)) } ?? false
        if field(1) == nil, field(2) == nil, !extraIsGuarded {
            let allowed = field(0).map { SiteGuard.name(ofHost: $0).map { guarded.allowedHosts?.contains($0) == true } ?? false } ?? true
            Property.check((guarded.refusal(request) == nil) == allowed,
                           "Host \(String(reflecting: field(0) ?? "")) allowed=\(allowed) but refusal=\(String(describing: guarded.refusal(request)))")
        }
        if let host = field(0), let name = SiteGuard.name(ofHost: host) {
            Property.check(!name.isEmpty && (name.utf8.first == UInt8(ascii: "[") || !name.utf8.contains(UInt8(ascii: ":"))),
                           "Host \(String(reflecting: host)) named \(name)")
            Property.check(SiteGuard.isSameOrigin("http://" + host, host: host), "http://\(host) is not the origin of Host \(host)")
        }
        // Cut at the ";" byte: a Character would join a combining mark to it.
        let media = field(3).map { SiteGuard.asciiLowercased(String(decoding: $0.utf8.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).trimmingSpaces) } ?? ""
        if !["", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"].contains(media) {
            Property.check(guarded.bodyRefusal(request) == nil, "Content-Type \(String(reflecting: media)) was refused")
        }
    }
}
