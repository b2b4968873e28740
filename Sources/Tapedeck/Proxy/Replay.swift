/// Builds a hit's answer from a cassette: the recorded body with fake, deterministic metrics.
public struct Replay: Sendable {
    public let hitLatencyMs: Int
    public let hitUsage: HitUsage

    /// Creates a replayer.
    public init(hitLatencyMs: Int, hitUsage: HitUsage) {
        self.hitLatencyMs = hitLatencyMs
        self.hitUsage = hitUsage
    }

    /// The response for a hit on `cassette`; identical bytes every time for the same cassette and settings.
    public func response(for cassette: Cassette) -> HTTPResponse {
        var body = cassette.response.body ?? .object([])
        body = body.setting(["metrics", "latencyMs"], to: .number(String(hitLatencyMs)))
        if hitUsage == .zero, let usage = body["usage"]?.objectValue {
            let zeroed = usage.map { member in
                member.value.numberLiteral != nil ? JSONMember(member.key, .number("0")) : member
            }
            body = body.setting(["usage"], to: .object(zeroed))
        }
        let headers = HTTPHeaders([
            ("Content-Type", cassette.response.contentType),
            ("x-amzn-RequestId", Self.requestId(for: cassette.key)),
        ])
        return HTTPResponse(status: cassette.response.status, headers: headers, body: JSONWriter.compact(body))
    }

    /// A request id taken from the key, so replays are byte-identical: an RFC 9562 version-8 UUID
    /// (custom data) made of the key's first 122 bits.
    public static func requestId(for key: CacheKey) -> String {
        var hex = Array(key.hex.utf8)
        // RFC 9562 §5.8: version nibble 8; variant bits 10xx in the first nibble of the fourth group.
        hex[12] = UInt8(ascii: "8")
        let variant = "89ab".utf8.map { $0 }
        hex[16] = variant[Int(hex[16] <= 0x39 ? hex[16] - 0x30 : hex[16] - 0x61 + 10) & 3]
        func part(_ from: Int, _ to: Int) -> String { String(decoding: hex[from..<to], as: UTF8.self) }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}

extension JSONValue {
    /// A copy with the member at `path` (object names) set to `value`, creating objects on the way.
    func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let name = path.first else { return value }
        var members = objectValue ?? []
        let rest = Array(path.dropFirst())
        if let index = members.firstIndex(where: { $0.key.utf8.elementsEqual(name.utf8) }) {
            members[index].value = members[index].value.setting(rest, to: value)
        } else {
            members.append(JSONMember(name, JSONValue.object([]).setting(rest, to: value)))
        }
        return .object(members)
    }
}
