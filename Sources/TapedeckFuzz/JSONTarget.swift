import TapedeckCodec
import TapedeckBedrock

/// Bytes into `JSONParser`; whatever parses goes through every writer and back.
///
/// Properties: canonical output (RFC 8785) parses and canonicalizes to the same bytes; its object keys are in
/// UTF-16 code unit order and its numbers are the same doubles; compact output parses back to exactly the same
/// value; pretty output parses to the same canonical bytes; the cache key of the canonical re-parse is the key of
/// the original.
enum JSONTarget {
    static func run(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        check(value)
    }

    /// The writer properties of one parsed value (the cassette targets reuse them).
    static func check(_ value: JSONValue) {
        let canonical: [UInt8]
        do {
            canonical = try JSONWriter.canonical(value)
        } catch {
            // The parser refuses duplicate keys and numbers beyond a double, the only things canonical refuses.
            Property.check(false, "a parsed value cannot be canonicalized: \(error)")
            return
        }
        let reparsed = parse(canonical, "canonical output")
        Property.check(canonicalBytes(reparsed) == canonical, "canonical output is not canonical: \(text(canonical))")
        checkSameNumbersAndOrder(value, reparsed)

        let compact = JSONWriter.compact(value)
        Property.check(identical(parse(compact, "compact output"), value), "compact output parses to another value: \(text(compact))")

        let pretty = JSONWriter.pretty(value)
        Property.check(canonicalBytes(parse(pretty, "pretty output")) == canonical, "pretty output has other content: \(text(pretty))")

        let key = try? CacheKey.derive(modelId: "fuzz.model-v1:0", body: value)
        let keyAgain = try? CacheKey.derive(modelId: "fuzz.model-v1:0", body: reparsed)
        Property.check(key != nil && key == keyAgain, "the cache key changes across canonicalization")
    }

    /// Bytes one of our writers produced: they must parse.
    static func parse(_ bytes: [UInt8], _ what: String) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            fatalError("property violated: \(what) does not parse (\(error)): \(text(bytes))")
        }
    }

    static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        do {
            return try JSONWriter.canonical(value)
        } catch {
            fatalError("property violated: a re-parsed value cannot be canonicalized: \(error)")
        }
    }

    /// `original` and its canonical re-parse: the same numbers as doubles, keys sorted by UTF-16 code units,
    /// the same strings byte for byte.
    static func checkSameNumbersAndOrder(_ original: JSONValue, _ canonical: JSONValue) {
        switch (original, canonical) {
        case (.number(let literal), .number(let printed)):
            let a = Double(literal), b = Double(printed)
            Property.check(a != nil && a == b, "number \(literal) canonicalized as \(printed)")
        case (.string(let a), .string(let b)):
            Property.check(a.utf8.elementsEqual(b.utf8), "string changed across canonicalization")
        case (.array(let a), .array(let b)):
            Property.check(a.count == b.count, "array length changed across canonicalization")
            for (x, y) in zip(a, b) { checkSameNumbersAndOrder(x, y) }
        case (.object(let a), .object(let b)):
            Property.check(a.count == b.count, "object size changed across canonicalization")
            for (earlier, later) in zip(b, b.dropFirst()) {
                // RFC 8785 §3.2.3, checked against Swift's own UTF-16 view rather than the writer's byte trick.
                Property.check(earlier.key.utf16.lexicographicallyPrecedes(later.key.utf16),
                               "keys \(String(reflecting: earlier.key)) and \(String(reflecting: later.key)) out of UTF-16 order")
            }
            for member in a {
                guard let match = b.first(where: { $0.key.utf8.elementsEqual(member.key.utf8) }) else {
                    Property.check(false, "key \(String(reflecting: member.key)) lost in canonicalization")
                    return
                }
                checkSameNumbersAndOrder(member.value, match.value)
            }
        case (.null, .null), (.bool, .bool):
            Property.check(original == canonical, "literal changed across canonicalization")
        default:
            Property.check(false, "a value changed kind across canonicalization")
        }
    }

    /// Equal with strings compared byte for byte (Swift's `==` on String is canonical equivalence).
    static func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x.utf8.elementsEqual(y.utf8)
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && identical($0.value, $1.value) }
        default: false
        }
    }

    /// Bytes for a failure message, cut short.
    static func text(_ bytes: [UInt8]) -> String {
        String(reflecting: String(decoding: bytes.prefix(300), as: UTF8.self))
    }
}
