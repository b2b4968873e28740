import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// Hits on InvokeModel, its stream, CountTokens and ApplyGuardrail cassettes: recorded bytes back as they came,
/// streams folded or synthesized, only latencies (and, when asked, token counts) made up.
@Suite struct ReplayDocumentTests {
    private static let key = CacheKey(hex: "0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210")!
    private static let requestId = "01234567-89ab-8def-8123-456789abcdef"

    private static func cassette(
        _ operation: BedrockOperation, model: String = InvokeFixtures.claude, request: String,
        contentType: String = "application/json", headers: [HeaderPair] = [], _ content: RecordedContent
    ) throws -> Cassette {
        var cassette = Cassette(
            key: key, operation: operation, modelId: model, request: try ConverseFixtures.parse(request),
            response: RecordedResponse(status: 200, contentType: contentType, content: content, headers: headers),
            upstreamLatencyMs: 312, recordedAt: "2026-11-25T17:04:05Z")
        cassette.requestHeaders = [HeaderPair("content-type", "application/json"), HeaderPair("accept", "application/json")]
        return cassette
    }

    private static let invokeHeaders = [
        HeaderPair("x-amzn-bedrock-input-token-count", "8"), HeaderPair("x-amzn-bedrock-output-token-count", "4"),
        HeaderPair("x-amzn-bedrock-invocation-latency", "312"),
    ]

    private static func titan(headers: [HeaderPair] = [HeaderPair("x-amzn-bedrock-input-token-count", "5"),
                                                       HeaderPair("x-amzn-bedrock-invocation-latency", "312")]) throws -> Cassette {
        try cassette(.invokeModel, model: InvokeFixtures.titan, request: InvokeFixtures.titanBody, headers: headers,
                     RecordedContent.document(Array(InvokeFixtures.titanAnswer.utf8)))
    }

    private static func anthropicAnswer(_ operation: BedrockOperation = .invokeModel) throws -> Cassette {
        try cassette(operation, request: InvokeFixtures.messagesBody, headers: invokeHeaders,
                     RecordedContent.document(Array(InvokeFixtures.messagesAnswer.utf8)))
    }

    /// A recorded Anthropic stream, each chunk as a recording keeps it (padding included), 10 ms apart.
    private static func anthropicStream(_ operation: BedrockOperation = .invokeModelWithResponseStream) throws -> Cassette {
        let events = try InvokeFixtures.messagesEvents.enumerated().map { index, event in
            let payload = JSONValue.object([
                JSONMember("bytes", .string(Base64.encode(Array(event.utf8)))), JSONMember("p", .string("abcdefgh")),
            ])
            return try #require(InvokeChunk.recorded(payload: payload, offsetMs: 100 + 10 * index))
        }
        return try cassette(operation, request: InvokeFixtures.messagesBody,
                            headers: [HeaderPair("x-amzn-bedrock-content-type", "application/json")], .events(events))
    }

    /// Decodes a stream's frames: each must be a JSON chunk event `{"bytes": base64}`; gives the model events.
    private static func modelEvents(_ stream: Replay.Stream) throws -> [JSONValue] {
        try stream.frames.map { frame in
            let messages = try StreamFrames.decode(frame.bytes)
            try #require(messages.count == 1)
            let message = messages[0]
            #expect(message.eventType == "chunk")
            #expect(message.stringHeader(":content-type") == "application/json")
            #expect(message.messageType == "event")
            let payload = try JSONParser.parse(message.payload)
            let text = try #require(payload["bytes"]?.stringValue)
            return try JSONParser.parse(try #require(Base64.decode(text)))
        }
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func anInvokeModelHitSendsTheRecordedBytesExactly() throws {
        let cassette = try Self.titan()
        #expect(cassette.response.bytes != nil, "Titan's member order is not sorted, so the bytes are kept")
        let (response, servedAs) = try Replay(hitLatencyMs: 0, hitUsage: .recorded).response(for: cassette)
        #expect(response.status == 200)
        #expect(servedAs == .recorded)
        #expect(Self.text(response.body) == InvokeFixtures.titanAnswer)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers.values("x-amzn-RequestId") == [Self.requestId])

        // An answer that reads back as JSON is written compactly again: the same bytes.
        let sorted = #"{"a":[1.50,-0,"é"],"b":{"c":null}}"#
        let json = try Self.cassette(.invokeModel, model: "m", request: #"{"prompt":"x"}"#, RecordedContent.document(Array(sorted.utf8)))
        #expect(json.response.body != nil)
        #expect(Self.text(try Replay(hitLatencyMs: 0, hitUsage: .recorded).response(for: json).0.body) == sorted)
    }

    @Test func theRecordedBedrockHeadersAreSentWithTheHitLatency() throws {
        let (response, _) = try Replay(hitLatencyMs: 25, hitUsage: .recorded).response(for: try Self.anthropicAnswer())
        #expect(response.headers.fields.map(\.name) == [
            "Content-Type", "x-amzn-RequestId", "x-amzn-bedrock-input-token-count", "x-amzn-bedrock-output-token-count",
            "x-amzn-bedrock-invocation-latency",
        ])
        #expect(response.headers["x-amzn-bedrock-input-token-count"] == "8")
        #expect(response.headers["x-amzn-bedrock-output-token-count"] == "4")
        #expect(response.headers.values("x-amzn-bedrock-invocation-latency") == ["25"], "the recorded 312 is not sent")
        #expect(Self.text(response.body) == InvokeFixtures.messagesAnswer)
        // Without a recorded latency the hit still says how long it took.
        let (bare, _) = try Replay(hitLatencyMs: 7, hitUsage: .recorded).response(for: try Self.titan(headers: []))
        #expect(bare.headers.values("x-amzn-bedrock-invocation-latency") == ["7"])
    }

    @Test func zeroHitUsageZeroesTheTokenHeaders() throws {
        let (response, _) = try Replay(hitLatencyMs: 0, hitUsage: .zero).response(for: try Self.anthropicAnswer())
        #expect(response.headers["x-amzn-bedrock-input-token-count"] == "0")
        #expect(response.headers["x-amzn-bedrock-output-token-count"] == "0")
        let body = try json(response.body)
        #expect(body.at("usage", "input_tokens")?.numberLiteral == "0", "zero usage is asked for over byte-for-byte")
        #expect(body.at("usage", "output_tokens")?.numberLiteral == "0")
        #expect(body["content"] == (try json(Array(InvokeFixtures.messagesAnswer.utf8)))["content"], "the rest is as recorded")
        let (titan, _) = try Replay(hitLatencyMs: 0, hitUsage: .zero).response(for: try Self.titan())
        #expect(Self.text(titan.body) == Self.text(try Replay(hitLatencyMs: 0, hitUsage: .recorded).response(for: try Self.titan()).0.body),
                "an answer without a usage object is sent as recorded")
    }

    @Test func aRecordedStreamAnswersInvokeModelFoldedWithTokenHeadersFromItsUsage() throws {
        let (response, servedAs) = try Replay(hitLatencyMs: 3, hitUsage: .recorded).response(for: try Self.anthropicStream())
        #expect(servedAs == .folded)
        #expect(Self.text(response.body) == InvokeFixtures.messagesAnswer)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["x-amzn-bedrock-content-type"] == nil, "the stream's own header is not the answer's")
        #expect(response.headers["x-amzn-bedrock-input-token-count"] == "8")
        #expect(response.headers["x-amzn-bedrock-output-token-count"] == "4")
        #expect(response.headers["x-amzn-bedrock-invocation-latency"] == "3")

        let (zeroed, _) = try Replay(hitLatencyMs: 3, hitUsage: .zero).response(for: try Self.anthropicStream())
        #expect(zeroed.headers["x-amzn-bedrock-input-token-count"] == "0")
        #expect(zeroed.headers["x-amzn-bedrock-output-token-count"] == "0")
    }

    @Test func aStreamThatDoesNotFoldIsRefused() throws {
        var cassette = try Self.anthropicStream()
        guard case .events(let events) = cassette.response.content else { return }
        cassette.response.content = .events(Array(events.dropLast()))
        #expect(throws: StreamFoldError.self) { try Replay(hitLatencyMs: 0, hitUsage: .recorded).response(for: cassette) }
        let garbage = StreamEvent(type: "chunk", payload: .object([JSONMember("bytes", .string(Base64.encode(Array("x".utf8))))]))
        cassette.response.content = .events([garbage] + events)
        #expect(throws: StreamFoldError(reason: "a recorded chunk is not JSON, so the stream cannot be folded")) {
            try Replay(hitLatencyMs: 0, hitUsage: .recorded).response(for: cassette)
        }
    }

    @Test func anAnthropicAnswerIsSynthesizedIntoChunksThatFoldBackToIt() throws {
        let stream = try Replay(hitLatencyMs: 0, hitUsage: .recorded).stream(for: try Self.anthropicAnswer())
        #expect(stream.servedAs == .synthesized)
        #expect(stream.head.status == 200)
        #expect(stream.head.headers["Content-Type"] == "application/vnd.amazon.eventstream")
        #expect(stream.head.headers["x-amzn-bedrock-content-type"] == "application/json")
        #expect(stream.head.headers.values("x-amzn-RequestId") == [Self.requestId])
        for name in ["x-amzn-bedrock-input-token-count", "x-amzn-bedrock-output-token-count", "x-amzn-bedrock-invocation-latency"] {
            #expect(stream.head.headers[name] == nil, "\(name) is carried by message_stop, not the head")
        }
        let events = try Self.modelEvents(stream)
        #expect(events.map { $0["type"]?.stringValue ?? "?" } == [
            "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(Self.text(JSONWriter.compact(try AnthropicMessages.fold(events))) == InvokeFixtures.messagesAnswer)
    }

    @Test func onlyAnthropicAnswersCanBeReplayedAsAStream() throws {
        #expect(throws: StreamFoldError(reason: "only Anthropic Messages answers can be replayed as a stream")) {
            try Replay(hitLatencyMs: 0, hitUsage: .recorded).stream(for: try Self.titan())
        }
        let notJSON = try Self.cassette(.invokeModel, request: InvokeFixtures.messagesBody, .bytes(Array("oops".utf8)))
        #expect(throws: StreamFoldError(reason: "an answer that is not JSON cannot be replayed as a stream")) {
            try Replay(hitLatencyMs: 0, hitUsage: .recorded).stream(for: notJSON)
        }
    }

    @Test func messageStopCarriesTheHitLatencyAndUsageAsAsked() throws {
        for cassette in [try Self.anthropicStream(), try Self.anthropicAnswer()] {
            let recorded = try Self.modelEvents(try Replay(hitLatencyMs: 42, hitUsage: .recorded).stream(for: cassette))
            let metrics = try #require(recorded.last?[AnthropicMessages.invocationMetrics])
            #expect(metrics["invocationLatency"]?.numberLiteral == "42", "\(cassette.operation)")
            #expect(metrics["firstByteLatency"]?.numberLiteral == "42")
            #expect(metrics["inputTokenCount"]?.numberLiteral == "8")
            #expect(metrics["outputTokenCount"]?.numberLiteral == "4")

            let zeroed = try Self.modelEvents(try Replay(hitLatencyMs: 42, hitUsage: .zero).stream(for: cassette))
            let zeroedMetrics = try #require(zeroed.last?[AnthropicMessages.invocationMetrics])
            #expect(zeroedMetrics["inputTokenCount"]?.numberLiteral == "0")
            #expect(zeroedMetrics["outputTokenCount"]?.numberLiteral == "0")
            #expect(zeroed.first?.at("message", "usage", "input_tokens")?.numberLiteral == "0", "message_start's usage too")
            let delta = try #require(zeroed.first { $0["type"]?.stringValue == "message_delta" })
            #expect(delta.at("usage", "output_tokens")?.numberLiteral == "0", "and message_delta's")
            let untouched = { (events: [JSONValue]) in events.filter { !["message_start", "message_delta", "message_stop"].contains($0["type"]?.stringValue ?? "") } }
            #expect(untouched(zeroed) == untouched(recorded), "content events are not touched")
        }
    }

    @Test func aRecordedStreamGoesOutAsRecordedPaddingAndHeadersIncluded() throws {
        let cassette = try Self.anthropicStream()
        let stream = try Replay(hitLatencyMs: 0, hitUsage: .recorded).stream(for: cassette)
        #expect(stream.servedAs == .recorded)
        #expect(stream.head.headers["x-amzn-bedrock-content-type"] == "application/json")
        let payloads = try stream.frames.map { try JSONParser.parse(try StreamFrames.decode($0.bytes)[0].payload) }
        #expect(payloads.allSatisfy { $0["p"]?.stringValue == "abcdefgh" })
        let events = try Self.modelEvents(stream)
        #expect(Array(events.dropLast()) == (try InvokeFixtures.messagesEvents.dropLast().map { try ConverseFixtures.parse($0) }))
    }

    @Test func countTokensAndApplyGuardrailHaveNoLatencyHeader() throws {
        let countTokens = try Self.cassette(.countTokens, request: #"{"input": {"converse": {"messages": []}}}"#,
                                            headers: [HeaderPair("x-amzn-bedrock-invocation-latency", "9")],
                                            RecordedContent.document(Array(#"{"inputTokens":12}"#.utf8)))
        let guardrail = try Self.cassette(.applyGuardrail, model: "gr1@1", request: #"{"source":"INPUT","content":[]}"#,
                                          RecordedContent.document(Array(#"{"action":"NONE","outputs":[]}"#.utf8)))
        for cassette in [countTokens, guardrail] {
            let (response, servedAs) = try Replay(hitLatencyMs: 50, hitUsage: .recorded).response(for: cassette)
            #expect(servedAs == .recorded)
            #expect(response.headers["x-amzn-bedrock-invocation-latency"] == nil, "\(cassette.operation)")
            #expect(response.headers.fields.map(\.name) == ["Content-Type", "x-amzn-RequestId"])
        }
        #expect(Self.text(try Replay(hitLatencyMs: 50, hitUsage: .recorded).response(for: countTokens).0.body) == #"{"inputTokens":12}"#)
    }

    @Test func replayPaceSpacesTheChunks() throws {
        let cassette = try Self.anthropicStream()
        let count = InvokeFixtures.messagesEvents.count
        #expect(try Replay(hitLatencyMs: 0, hitUsage: .recorded, pace: .none).stream(for: cassette).frames.map(\.delayMs)
            == Array(repeating: 0, count: count))
        #expect(try Replay(hitLatencyMs: 0, hitUsage: .recorded, pace: .recorded).stream(for: cassette).frames.map(\.delayMs)
            == (0..<count).map { 100 + 10 * $0 })
        #expect(try Replay(hitLatencyMs: 0, hitUsage: .recorded, pace: .every(milliseconds: 25)).stream(for: cassette).frames.map(\.delayMs)
            == (0..<count).map { 25 * $0 })
        // Synthesized chunks have no recorded times; an interval still spaces them.
        let synthesized = try Replay(hitLatencyMs: 0, hitUsage: .recorded, pace: .every(milliseconds: 5))
            .stream(for: try Self.anthropicAnswer())
        #expect(synthesized.frames.map(\.delayMs) == (0..<synthesized.frames.count).map { 5 * $0 })
    }

    @Test func hitsAreByteIdentical() throws {
        let replay = Replay(hitLatencyMs: 13, hitUsage: .zero)
        for cassette in [try Self.titan(), try Self.anthropicStream(), try Self.anthropicAnswer()] {
            let (first, _) = try replay.response(for: cassette)
            let (second, _) = try replay.response(for: cassette)
            #expect(first.body == second.body && first.headers == second.headers)
        }
        let first = try replay.stream(for: try Self.anthropicAnswer())
        let second = try replay.stream(for: try Self.anthropicAnswer())
        #expect(first.frames.map(\.bytes) == second.frames.map(\.bytes))
    }
}
