import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// The parameters of the browser's two API calls, read from the query string and checked.
enum BrowserQuery {
    /// Rows per page unless `limit` asks for another number.
    static let defaultLimit = 50
    /// The most rows one page may ask for.
    static let maxLimit = 200
    /// The longest search text accepted, in characters.
    static let maxSearchLength = 200

    /// `GET /_tapedeck/api/cassettes`: which cassettes, and which page of them.
    struct List: Sendable, Equatable {
        /// Text to find in the conversation or the answer (case-insensitive); nil lists everything.
        var search: String?
        /// A model id as `tapedeck ls --model` takes it; nil for every model.
        var model: String?
        /// nil for every namespace, "" for the shared one.
        var namespace: String?
        var offset = 0
        var limit = defaultLimit
    }

    /// `GET /_tapedeck/api/cassette`: one cassette by full key, in a namespace ("" is the shared one).
    struct Cassette: Sendable, Equatable {
        var key: CacheKey
        var namespace: String
    }

    /// Why the parameters cannot be used, as the 400's message says.
    struct Invalid: Error, Equatable {
        let message: String
    }

    /// Reads `q`, `model`, `namespace` (absent: all; empty: the shared one), `offset` and `limit`.
    static func list(_ target: String) throws(Invalid) -> List {
        let query = try parse(target)
        var list = List()
        if let text = query["q"]?.trimmingSpaces, !text.isEmpty {
            guard text.count <= maxSearchLength else { throw Invalid(message: "q is \(text.count) characters; the limit is \(maxSearchLength)") }
            list.search = text
        }
        if let model = query["model"], !model.isEmpty { list.model = model }
        if let namespace = query["namespace"] { list.namespace = try checked(namespace) }
        list.offset = try number(query["offset"], name: "offset", default: 0, range: 0...1_000_000)
        list.limit = try number(query["limit"], name: "limit", default: defaultLimit, range: 1...maxLimit)
        return list
    }

    /// Reads `key` (64 hex digits) and `namespace` (absent or empty: the shared one).
    static func cassette(_ target: String) throws(Invalid) -> Cassette {
        let query = try parse(target)
        guard let hex = query["key"], let key = CacheKey(hex: hex.lowercased()) else {
            throw Invalid(message: "key must be a cassette's full key: 64 hexadecimal digits (see /_tapedeck/api/cassettes)")
        }
        return Cassette(key: key, namespace: try checked(query["namespace"] ?? ""))
    }

    private static func parse(_ target: String) throws(Invalid) -> QueryString {
        do {
            return try QueryString(target: target)
        } catch {
            throw Invalid(message: error.description)
        }
    }

    private static func checked(_ namespace: String) throws(Invalid) -> String {
        guard !namespace.isEmpty else { return "" }
        if case .failure(let error) = Namespace.validate(namespace) { throw Invalid(message: "invalid namespace: \(error)") }
        return namespace
    }

    private static func number(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let text, !text.isEmpty else { return value }
        guard text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let number = Int(text), range.contains(number) else {
            throw Invalid(message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
