import TapedeckCodec
/// The `name=value` pairs of a request target's query, decoded as `application/x-www-form-urlencoded`
/// (WHATWG URL §5.1: `&` separates pairs, `+` is a space, `%XX` a byte; the bytes are UTF-8).
package struct QueryString: Sendable, Equatable {
    /// Why a query cannot be read.
    package struct Invalid: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// The pairs in order, duplicates kept.
    let pairs: [HTTPField]

    /// The query of `target` (everything after the first `?`); a target without one has no pairs.
    package init(target: String) throws(Invalid) {
        guard let query = HTTPRequestHead.split(target).query else {
            pairs = []
            return
        }
        var pairs: [HTTPField] = []
        for piece in query.split(separator: "&") {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            pairs.append(HTTPField(name, value))
        }
        self.pairs = pairs
    }

    /// The first value given for `name` (which may be empty), or nil when the query does not name it.
    package subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Decodes one name or value; a `%` not followed by two hex digits, or bytes that are not UTF-8, are refused
    /// rather than guessed at.
    static func decode(_ text: Substring) throws(Invalid) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count,
                      let high = HexDigits.value(of: bytes[index + 1]), let low = HexDigits.value(of: bytes[index + 2]) else {
                    throw Invalid(description: "invalid percent-encoding in the query at \"\(text)\"")
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        guard let decoded = String(validating: out, as: UTF8.self) else {
            throw Invalid(description: "the query is not UTF-8 once decoded")
        }
        return decoded
    }
}
