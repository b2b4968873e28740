import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// Hits for the operations whose answer is the model's (or the service's) own document: InvokeModel and its
/// stream, CountTokens, ApplyGuardrail. The recorded bytes go back as they came; only the latency is made up.
extension Replay {
    /// The response headers an InvokeModel answer carries besides Content-Type, lower-case as recorded.
    static let inputTokenHeader = "x-amzn-bedrock-input-token-count"
    static let outputTokenHeader = "x-amzn-bedrock-output-token-count"
    static let latencyHeader = "x-amzn-bedrock-invocation-latency"

    /// The whole answer for a hit on a cassette of these operations: the recorded body byte for byte (or a recorded
    /// Anthropic Messages stream folded into its InvokeModel answer), with the recorded `x-amzn-bedrock-*` headers
    /// and, for InvokeModel, `X-Amzn-Bedrock-Invocation-Latency` set to `--hit-latency-ms`.
    func documentResponse(for cassette: Cassette) throws(StreamFoldError) -> (HTTPResponse, ServedAs) {
        var body: [UInt8]
        var servedAs = ServedAs.recorded
        var contentType = cassette.response.contentType
        var headers = cassette.response.headers.filter { $0.name != Self.latencyHeader }
        switch cassette.response.content {
        case .body(let json):
            body = JSONWriter.compact(json)
        case .bytes(let bytes):
            body = bytes
        case .events(let events):
            let folded = try Self.foldedAnswer(events)
            body = JSONWriter.compact(folded)
            servedAs = .folded
            contentType = "application/json"
            headers = headers.filter { !$0.name.hasPrefix("x-amzn-bedrock-content-type") }
            if let usage = AnthropicMessages.usage(of: folded), !headers.contains(where: { $0.name == Self.inputTokenHeader }) {
                headers.append(HeaderPair(Self.inputTokenHeader, String(usage.input)))
                headers.append(HeaderPair(Self.outputTokenHeader, String(usage.output)))
            }
        }
        if hitUsage == .zero {
            headers = headers.map { $0.name == Self.inputTokenHeader || $0.name == Self.outputTokenHeader ? HeaderPair($0.name, "0") : $0 }
        }
        var fields = HTTPHeaders([("Content-Type", contentType), ("x-amzn-RequestId", Self.requestId(for: cassette.key))])
        for header in headers { fields.add(header.name, header.value) }
        if cassette.operation.family == .invoke { fields.add(Self.latencyHeader, String(hitLatencyMs)) }
        return (HTTPResponse(status: 200, headers: fields, body: body), servedAs)
    }

    /// The InvokeModelWithResponseStream answer for a hit: the recorded chunks, or (for an Anthropic Messages
    /// InvokeModel answer) chunks synthesized from it; `message_stop`'s invocation metrics made up.
    func chunkStream(for cassette: Cassette) throws(StreamFoldError) -> Stream {
        let events: [StreamEvent]
        let servedAs: ServedAs
        switch cassette.response.content {
        case .events(let recorded):
            events = recorded
            servedAs = .recorded
        case .body, .bytes:
            guard cassette.keyedRequest.crossServes else {
                throw StreamFoldError(reason: "only Anthropic Messages answers can be replayed as a stream")
            }
            guard let body = cassette.response.document else {
                throw StreamFoldError(reason: "an answer that is not JSON cannot be replayed as a stream")
            }
            events = try AnthropicMessages.events(from: body).map { InvokeChunk.event($0) }
            servedAs = .synthesized
        }
        let frames = try frames(events) { InvokeChunk.wirePayload(withFakeInvocationMetrics($0.payload)) }
        var headers = HTTPHeaders([
            ("Content-Type", "application/vnd.amazon.eventstream"),
            ("x-amzn-RequestId", Self.requestId(for: cassette.key)),
        ])
        let kept = servedAs == .recorded ? cassette.response.headers : [HeaderPair("x-amzn-bedrock-content-type", "application/json")]
        for header in kept where ![Self.latencyHeader, Self.inputTokenHeader, Self.outputTokenHeader].contains(header.name) {
            headers.add(header.name, header.value)
        }
        return Stream(head: HTTPResponse(status: 200, headers: headers), frames: frames, servedAs: servedAs)
    }

    /// The model events of a recorded Anthropic Messages stream folded into the InvokeModel answer.
    static func foldedAnswer(_ events: [StreamEvent]) throws(StreamFoldError) -> JSONValue {
        guard let modelEvents = InvokeChunk.modelEvents(events) else {
            throw StreamFoldError(reason: "a recorded chunk is not JSON, so the stream cannot be folded")
        }
        return try AnthropicMessages.fold(modelEvents)
    }

    /// A chunk payload whose Anthropic `message_stop` event carries `--hit-latency-ms` as its latencies (and zero
    /// token counts under `--hit-usage zero`); any other payload unchanged.
    func withFakeInvocationMetrics(_ payload: JSONValue) -> JSONValue {
        let metricsName = "amazon-bedrock-invocationMetrics"
        guard let metrics = payload["event"]?[metricsName], metrics.objectValue != nil else { return payload }
        var faked = metrics
            .setting(["invocationLatency"], to: .number(String(hitLatencyMs)))
            .setting(["firstByteLatency"], to: .number(String(hitLatencyMs)))
        if hitUsage == .zero {
            faked = faked.setting(["inputTokenCount"], to: .number("0")).setting(["outputTokenCount"], to: .number("0"))
        }
        return payload.setting(["event", metricsName], to: faked)
    }
}
