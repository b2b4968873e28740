import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// Builds a hit's answer from a cassette: the recorded answer with fake, deterministic metrics, in the shape the
/// request's operation expects (a stream cassette folds into a Converse body, a Converse cassette is synthesized
/// into stream frames).
public struct Replay: Sendable {
    public let hitLatencyMs: Int
    public let hitUsage: HitUsage
    public let pace: ReplayPace

    /// Creates a replayer.
    public init(hitLatencyMs: Int, hitUsage: HitUsage, pace: ReplayPace = .none) {
        self.hitLatencyMs = hitLatencyMs
        self.hitUsage = hitUsage
        self.pace = pace
    }

    /// How a hit's answer relates to what was recorded (`x-tapedeck-served-as`).
    public enum ServedAs: String, Sendable {
        case recorded, folded, synthesized
    }

    /// A stream to send: the head, then each frame after its delay from the start.
    public struct Stream: Sendable {
        public var head: HTTPResponse
        public var frames: [(delayMs: Int, bytes: [UInt8])]
        public var servedAs: ServedAs
    }

    /// The whole (not streamed) response for a hit on `cassette`; identical bytes every time for the same cassette and settings.
    public func response(for cassette: Cassette) throws(StreamFoldError) -> (HTTPResponse, ServedAs) {
        guard cassette.operation.family == .converse else { return try documentResponse(for: cassette) }
        let body: JSONValue
        let servedAs: ServedAs
        switch cassette.response.content {
        case .body(let recorded):
            body = recorded
            servedAs = .recorded
        case .events(let events):
            body = try StreamFolder.fold(events)
            servedAs = .folded
        case .bytes:
            throw StreamFoldError(reason: "a Converse cassette holds JSON, not bytes")
        }
        let headers = HTTPHeaders([
            ("Content-Type", servedAs == .folded ? "application/json" : cassette.response.contentType),
            ("x-amzn-RequestId", Self.requestId(for: cassette.key)),
        ])
        return (HTTPResponse(status: 200, headers: headers, body: JSONWriter.compact(withFakeMetrics(body))), servedAs)
    }

    /// The stream answer for a hit on `cassette`, frames encoded as event-stream messages.
    public func stream(for cassette: Cassette) throws(StreamFoldError) -> Stream {
        guard cassette.operation.family == .converse else { return try chunkStream(for: cassette) }
        let events: [StreamEvent]
        let servedAs: ServedAs
        switch cassette.response.content {
        case .events(let recorded):
            events = recorded
            servedAs = .recorded
        case .body(let body):
            events = try StreamSynthesizer.events(from: body)
            servedAs = .synthesized
        case .bytes:
            throw StreamFoldError(reason: "a Converse cassette holds JSON, not bytes")
        }
        let frames = try frames(events) { $0.type == "metadata" ? withFakeMetrics($0.payload) : $0.payload }
        let headers = HTTPHeaders([
            ("Content-Type", "application/vnd.amazon.eventstream"),
            ("x-amzn-RequestId", Self.requestId(for: cassette.key)),
        ])
        return Stream(head: HTTPResponse(status: 200, headers: headers), frames: frames, servedAs: servedAs)
    }

    /// `events` as event-stream frames, each at its `--replay-pace` delay, with the payload `payload` gives it.
    func frames(
        _ events: [StreamEvent], payload: (StreamEvent) -> JSONValue
    ) throws(StreamFoldError) -> [(delayMs: Int, bytes: [UInt8])] {
        var frames: [(delayMs: Int, bytes: [UInt8])] = []
        frames.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            let message = EventStreamMessage.event(type: event.type, payload: JSONWriter.compact(payload(event)))
            do {
                frames.append((pace.delayMs(index: index, of: events), try EventStreamEncoder.encode(message)))
            } catch {
                throw StreamFoldError(reason: "event \(index) (\(event.type)) cannot be encoded: \(error)")
            }
        }
        return frames
    }

    /// A Converse body or a `metadata` event payload with `metrics.latencyMs` and (optionally) usage replaced.
    public func withFakeMetrics(_ json: JSONValue) -> JSONValue {
        var result = json.setting(["metrics", "latencyMs"], to: .number(String(hitLatencyMs)))
        if hitUsage == .zero, let usage = result["usage"]?.objectValue {
            let zeroed = usage.map { member in
                member.value.numberLiteral != nil ? JSONMember(member.key, .number("0")) : member
            }
            result = result.setting(["usage"], to: .object(zeroed))
        }
        return result
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
