internal import CPostgres

/// A `postgres://` or `postgresql://` connection URL as `--store` gives it: handed to libpq whole (so its URL
/// syntax, `PG*` environment variables and `~/.pgpass` apply as for `psql`), and named everywhere else with its
/// password masked.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL as given, password included: only ever passed to libpq.
    let raw: String
    /// The URL with its password (in the user part or a `password=` parameter) replaced by `***`.
    public let masked: String
    /// The password the URL carries, if any, so it can be taken out of any message that might echo it.
    let password: String?

    /// The schemes libpq reads as a URL.
    static let schemes = ["postgres://", "postgresql://"]

    /// Whether `spec` is a PostgreSQL URL (and so names a PostgreSQL store).
    public static func names(_ spec: String) -> Bool {
        schemes.contains { spec.hasPrefix($0) }
    }

    /// Checks `raw` with libpq's own parser (`PQconninfoParse`), so a malformed URL is refused before any connection
    /// is tried; the refusal names the URL masked.
    public init(_ raw: String) throws(CassetteError) {
        self.raw = raw
        self.masked = Self.mask(raw)
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(raw, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            let scrubbed = Self.passwordsLike(raw).reduce(reason) { Self.scrub($0, password: $1) }
            throw .unsupportedStore("invalid PostgreSQL URL \(Self.mask(raw)): \(scrubbed.trimmingTrailingNewlines)")
        }
        defer { PQconninfoFree(options) }
        var found: String?
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val { found = String(cString: value) }
            option += 1
        }
        password = found
    }

    public var description: String { masked }

    /// `text` with every occurrence of `password` (if any, and not trivially short) replaced by `***`.
    static func scrub(_ text: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return text }
        var out = text
        for form in [password, percentEncoded(password)] where !form.isEmpty {
            out = out.replacing(form, with: "***")
        }
        return out
    }

    /// `url` with the password of its user part (`user:PASSWORD@`) and of any `password=` parameter masked.
    static func mask(_ url: String) -> String {
        var text = url
        if let scheme = schemes.first(where: { text.hasPrefix($0) }) {
            let afterScheme = text.index(text.startIndex, offsetBy: scheme.count)
            let authorityEnd = text[afterScheme...].firstIndex { $0 == "/" || $0 == "?" } ?? text.endIndex
            // The last '@' of the authority ends the user part (a password may hold an unencoded '@').
            if let at = text[afterScheme..<authorityEnd].lastIndex(of: "@"),
               let colon = text[afterScheme..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // `?password=...&` anywhere in the query, and only there: a value masked before the first '?' could take that
        // '?' with it, and masking the result again would read a longer user part.
        guard let query = text.firstIndex(of: "?") else { return text }
        var result = String(text[..<query])
        var rest = text[query...]
        while let range = rest.firstRange(of: "password=") {
            let before = rest[..<range.lowerBound]
            let boundary = before.last.map { $0 == "?" || $0 == "&" } ?? false
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            guard boundary else { continue }
            let end = rest.firstIndex(of: "&") ?? rest.endIndex
            result += "***"
            rest = rest[end...]
        }
        return result + rest
    }

    /// What may be the password in a URL libpq could not parse, so its error message can be scrubbed anyway: the
    /// user part as libpq reads it (up to the first '@' before any '/') and as `mask` reads it (up to the last '@'
    /// before the first '/' or '?').
    private static func passwordsLike(_ url: String) -> [String] {
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else { return [] }
        let rest = url.dropFirst(scheme.count)
        let libpqEnd = rest.firstIndex { $0 == "@" || $0 == "/" }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var ats: [Substring.Index] = []
        if let libpqEnd, rest[libpqEnd] == "@" { ats.append(libpqEnd) }
        if let last = rest[..<authorityEnd].lastIndex(of: "@") { ats.append(last) }
        return ats.compactMap { at in
            guard let colon = rest[..<at].firstIndex(of: ":") else { return nil }
            let password = String(rest[rest.index(after: colon)..<at])
            return password.isEmpty ? nil : password
        }
    }

    /// `text` percent-encoded as a URL's user part would carry it (every byte outside unreserved characters).
    private static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

extension String {
    /// The string without trailing newlines (libpq ends its messages with one).
    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }

}
