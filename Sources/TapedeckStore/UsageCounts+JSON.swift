import TapedeckCodec
import TapedeckBedrock
/// The JSON form of usage counts, as the JSON store's `.tapedeck-usage.json` holds them.
extension UsageCounts {
    /// `{"hits": {"<key>": {"count": n, "lastHitAt": t}}, "misses": {"<model>": n}}`.
    public var jsonValue: JSONValue {
        .object([
            JSONMember("hits", .object(hits.sorted { $0.key.hex < $1.key.hex }.map { key, hits in
                JSONMember(key.hex, .object([
                    JSONMember("count", .number(String(hits.count))),
                    JSONMember("lastHitAt", .number(String(hits.lastHitAt))),
                ]))
            })),
            JSONMember("misses", .object(misses.sorted { $0.key < $1.key }.map { JSONMember($0.key, .number(String($0.value))) })),
        ])
    }

    /// Reads counts back; unknown or malformed members are refused with the reason.
    public init(json: JSONValue) throws(CassetteError) {
        self.init()
        for member in json["hits"]?.objectValue ?? [] {
            guard let key = CacheKey(hex: member.key),
                  let count = member.value["count"]?.numberLiteral.flatMap({ Int($0) }),
                  let last = member.value["lastHitAt"]?.numberLiteral.flatMap({ Int($0) })
            else { throw .malformed("usage entry \"\(member.key)\" is not a key with count and lastHitAt") }
            hits[key] = Hits(count: count, lastHitAt: last)
        }
        for member in json["misses"]?.objectValue ?? [] {
            guard let count = member.value.numberLiteral.flatMap({ Int($0) }) else {
                throw .malformed("miss count for \"\(member.key)\" is not an integer")
            }
            misses[member.key] = count
        }
    }
}
