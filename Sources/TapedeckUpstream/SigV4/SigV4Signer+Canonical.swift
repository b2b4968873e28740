import Glibc
import TapedeckCodec
import TapedeckHTTP

/// The canonical forms of SigV4's canonical request: URI, query, headers, and the timestamp.
extension SigV4Signer {
    /// The canonical URI. Doubly encoded (every service but S3): the wire path, dot segments and empty segments
    /// removed, each byte outside `A-Za-z0-9-._~` and `/` encoded once more, so `%3A` becomes `%253A`, as botocore
    /// does. Singly encoded (S3): each segment percent-decoded and encoded once, not normalized.
    static func canonicalURI(_ path: String, doubleEncode: Bool) -> String {
        let normalized = doubleEncode ? removeDotSegments(path) : path
        let segments = normalized.split(separator: "/", omittingEmptySubsequences: false)
        let encoded = segments.map { segment in
            doubleEncode ? uriEncode(segment.utf8) : uriEncode(percentDecoded(segment.utf8))
        }
        let uri = encoded.joined(separator: "/")
        return uri.isEmpty ? "/" : uri
    }

    /// The canonical query: each name and value percent-decoded and encoded with the unreserved set, then sorted
    /// by name and, for repeated names, by value (byte order), joined as `name=value` with `&`.
    static func canonicalQuery(_ query: String) -> String {
        var pairs: [(name: String, value: String)] = []
        for component in query.split(separator: "&") {
            let equals = component.firstIndex(of: "=") ?? component.endIndex
            let value = equals < component.endIndex ? component[component.index(after: equals)...] : ""
            pairs.append((
                name: uriEncode(percentDecoded(component[..<equals].utf8)),
                value: uriEncode(percentDecoded(value.utf8))
            ))
        }
        pairs.sort { lhs, rhs in
            lhs.name == rhs.name
                ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The canonical headers block (`name:value\n` per name, sorted) and the signed-headers list (`a;b;c`).
    /// Names are lower-cased; repeated names join their values with `,` in the order sent.
    static func canonicalHeaders(_ headers: HTTPHeaders) -> (block: String, signed: String) {
        var values: [String: [String]] = [:]
        for header in headers {
            values[header.name.lowercased(), default: []].append(trimAll(header.value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let block = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// SigV4's Trimall: whitespace removed at both ends and each inner run collapsed to one space. Whitespace is
    /// what Python's `str.split()` splits on, as botocore uses it: Unicode White_Space plus U+001C–U+001F.
    static func trimAll(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC for seconds since the Unix epoch.
    static func amzDate(epochSeconds: Int) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(Int(parts.tm_year) + 1900)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + two(parts.tm_mon + 1) + two(parts.tm_mday) + "T"
            + two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec) + "Z"
    }

    /// RFC 3986 §5.2.4 dot-segment removal, also dropping empty segments as AWS services require (botocore's
    /// `remove_dot_segments`); a trailing slash survives only when a segment remains.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/") where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Percent-encodes every byte outside `A-Za-z0-9-._~` as `%XX` with uppercase hex (SigV4's UriEncode).
    static func uriEncode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            // RFC 3986 §2.3: unreserved characters are never encoded.
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(HexDigits.upperASCII[Int(byte >> 4)])
                out.append(HexDigits.upperASCII[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `%XX` escapes stand for; a `%` without two hex digits after it stays a literal `%`.
    static func percentDecoded(_ text: some Sequence<UInt8>) -> [UInt8] {
        let bytes = Array(text)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = HexDigits.value(of: bytes[index + 1]), let low = HexDigits.value(of: bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}
