import Foundation
import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// A small store for the CLI tests: five cassettes of different shapes with fixed recording times, and usage counts.
package enum CommandFixtures {
    package static let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    package static let sonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    package static let novaProfile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0"
    package static let mistral = "mistral.mistral-large-2407-v1:0"

    /// A Converse cassette for `request` (JSON text) answered with `answer` (JSON text); its key is derived.
    package static func converse(_ model: String, _ request: String, _ answer: String, recordedAt: String) throws -> Cassette {
        let body = try JSONParser.parse(request)
        return Cassette(
            key: try CacheKey.derive(modelId: model, body: body), operation: .converse, modelId: model, request: body,
            response: RecordedResponse(status: 200, contentType: "application/json", body: try JSONParser.parse(answer)),
            upstreamLatencyMs: 250, recordedAt: recordedAt)
    }

    /// A one-question chat whose answer is `answer` with the given usage.
    package static func chat(_ model: String, _ question: String, _ answer: String, tokens: (Int, Int), recordedAt: String,
                     extra: String = "") throws -> Cassette {
        let request = #"{"messages":[{"role":"user","content":[{"text":"\#(question)"}]}],"inferenceConfig":{"maxTokens":64}\#(extra)}"#
        let body = #"{"output":{"message":{"role":"assistant","content":[{"text":"\#(answer)"}]}},"stopReason":"end_turn","usage":{"inputTokens":\#(tokens.0),"outputTokens":\#(tokens.1),"totalTokens":\#(tokens.0 + tokens.1)},"metrics":{"latencyMs":250}}"#
        return try converse(model, request, body, recordedAt: recordedAt)
    }

    package static func capital() throws -> Cassette {
        try chat(haiku, "What is the capital of France? Answer in one word.", "Paris.", tokens: (21, 5), recordedAt: "2025-03-01T09:00:00Z")
    }

    package static func eggs() throws -> Cassette {
        try converse(sonnet, #"""
            {"system": [{"text": "You are a concise cooking assistant."}],
             "messages": [
               {"role": "user", "content": [{"text": "How long should I boil an egg for a soft yolk?"}]},
               {"role": "assistant", "content": [{"text": "About 6 to 7 minutes.\nThen cool it in cold water."}]},
               {"role": "user", "content": [{"text": "And for a hard yolk?"}]}],
             "inferenceConfig": {"maxTokens": 200, "temperature": 0.3}}
            """#, #"""
            {"output": {"message": {"role": "assistant", "content": [{"text": "10 to 12 minutes."}]}},
             "stopReason": "end_turn", "usage": {"inputTokens": 78, "outputTokens": 31, "totalTokens": 109}, "metrics": {"latencyMs": 900}}
            """#, recordedAt: "2025-03-02T10:30:00Z")
    }

    /// Tools, an image, a document, a tool result, and cache tokens in the usage.
    package static func tools() throws -> Cassette {
        try converse(novaProfile, #"""
            {"messages": [
               {"role": "user", "content": [
                 {"text": "Is it raining where this photo was taken?"},
                 {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}},
                 {"document": {"format": "pdf", "name": "itinerary", "source": {"bytes": "JVBERi0xLjQK"}}}]},
               {"role": "assistant", "content": [
                 {"text": "That looks like Lisbon. Let me check."},
                 {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Lisbon"}}}]},
               {"role": "user", "content": [
                 {"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"rain": false, "tempC": 21}}], "status": "success"}},
                 {"cachePoint": {"type": "default"}}]}],
             "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "Current weather.",
               "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}]}}
            """#, #"""
            {"output": {"message": {"role": "assistant", "content": [{"text": "No rain in Lisbon: 21 °C and dry."}]}},
             "stopReason": "end_turn",
             "usage": {"inputTokens": 1200, "outputTokens": 80, "totalTokens": 1280, "cacheReadInputTokens": 1024, "cacheWriteInputTokens": 0},
             "metrics": {"latencyMs": 700}}
            """#, recordedAt: "2025-03-03T08:15:00Z")
    }

    /// A recorded ConverseStream answer, usage in its metadata event.
    package static func haikuStream() throws -> Cassette {
        let request = try JSONParser.parse(#"{"messages":[{"role":"user","content":[{"text":"Write a haiku about a cassette tape."}]}],"inferenceConfig":{"maxTokens":100,"temperature":0.5}}"#)
        let events: [(String, String)] = [
            ("messageStart", #"{"p":"abc","role":"assistant"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Ribbon wound in dark,"},"p":"ab"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"\nsummer songs sleep in plastic"},"p":"a"}"#),
            ("contentBlockStop", #"{"contentBlockIndex":0}"#),
            ("messageStop", #"{"stopReason":"end_turn"}"#),
            ("metadata", #"{"metrics":{"latencyMs":400},"usage":{"inputTokens":17,"outputTokens":22,"totalTokens":39}}"#),
        ]
        var decoded: [StreamEvent] = []
        for (offset, (type, payload)) in events.enumerated() {
            decoded.append(StreamEvent(type: type, payload: try JSONParser.parse(payload), offsetMs: 40 + offset * 20))
        }
        return Cassette(
            key: try CacheKey.derive(modelId: haiku, body: request), operation: .converseStream, modelId: haiku, request: request,
            response: RecordedResponse(status: 200, contentType: "application/vnd.amazon.eventstream", content: .events(decoded)),
            upstreamLatencyMs: 170, recordedAt: "2025-03-04T17:45:36Z")
    }

    package static func unpriced() throws -> Cassette {
        try chat(mistral, "Translate good morning into Portuguese.", "Bom dia.", tokens: (30, 10), recordedAt: "2025-03-05T12:00:00Z")
    }

    /// The five cassettes, oldest first.
    package static func all() throws -> [Cassette] {
        [try capital(), try eggs(), try tools(), try haikuStream(), try unpriced()]
    }

    /// 2025-03-10T00:00:00Z, the time of the fixtures' hits.
    package static let lastHit = 1_741_564_800

    /// Hits per cassette (40, 12, 5, 3, 2 in `all()` order) and misses for three models, one without cassettes.
    package static func usage(_ cassettes: [Cassette]) -> UsageCounts {
        var counts = UsageCounts(misses: [haiku: 4, mistral: 1, "meta.llama3-1-8b-instruct-v1:0": 2])
        for (cassette, hits) in zip(cassettes, [40, 12, 5, 3, 2]) {
            counts.hits[cassette.key] = UsageCounts.Hits(count: hits, lastHitAt: lastHit)
        }
        return counts
    }

    /// Writes the five cassettes and their usage into a JSON store at `directory`.
    @discardableResult
    package static func store(at directory: String) throws -> [Cassette] {
        let store = JSONFileStore(directory: directory)
        let cassettes = try all()
        for cassette in cassettes { try store.save(cassette) }
        try store.addUsage(usage(cassettes))
        return cassettes
    }

    /// The fixture store plus, when needed, small chats until two keys share a first hex digit; returns every
    /// cassette and that digit (the same every run, since keys are derived).
    package static func storeWithSharedPrefix(at directory: String) throws -> (cassettes: [Cassette], prefix: String) {
        var cassettes = try store(at: directory)
        var note = 0
        while true {
            var seen: Set<Character> = []
            for cassette in cassettes {
                guard let digit = cassette.key.hex.first else { continue }
                if !seen.insert(digit).inserted { return (cassettes, String(digit)) }
            }
            let extra = try chat(haiku, "Note \(note)", "Noted.", tokens: (3, 2), recordedAt: "2025-03-06T00:00:00Z")
            try JSONFileStore(directory: directory).save(extra)
            cassettes.append(extra)
            note += 1
        }
    }
}
