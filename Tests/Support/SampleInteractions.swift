import TapedeckBedrock

/// The interactions the bundled Cassettes/ holds: realistic requests and the answers recorded for them.
package enum SampleInteractions {
    package struct Sample {
        package let name: String
        package let modelId: String
        package let request: String
        /// The Converse answer, for samples recorded through `converse`.
        package var response: String = ""
        /// The stream's events as (type, payload JSON), for samples recorded through `converse-stream`.
        package var events: [(type: String, payload: String)] = []

        package var operation: BedrockOperation { events.isEmpty ? .converse : .converseStream }
    }

    package static let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    package static let sonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0"

    package static let all: [Sample] = [plainChat, multiTurn, toolUse, streamedHaiku]

    /// The README's first request: one question, one word back.
    package static let plainChat = Sample(
        name: "plain chat",
        modelId: haiku,
        request: #"""
            {"messages": [{"role": "user", "content": [{"text": "What is the capital of France? Answer in one word."}]}],
             "inferenceConfig": {"maxTokens": 64, "temperature": 0}}
            """#,
        response: #"""
            {"output": {"message": {"role": "assistant", "content": [{"text": "Paris."}]}},
             "stopReason": "end_turn", "usage": {"inputTokens": 21, "outputTokens": 5, "totalTokens": 26},
             "metrics": {"latencyMs": 412}}
            """#
    )

    /// A system prompt and three turns.
    package static let multiTurn = Sample(
        name: "multi-turn chat with a system prompt",
        modelId: sonnet,
        request: #"""
            {"system": [{"text": "You are a concise assistant for a cooking website. Answer in at most two sentences."}],
             "messages": [
               {"role": "user", "content": [{"text": "How long should I boil an egg for a soft yolk?"}]},
               {"role": "assistant", "content": [{"text": "About 6 to 7 minutes in boiling water, then straight into cold water to stop the cooking."}]},
               {"role": "user", "content": [{"text": "And for a hard yolk?"}]}],
             "inferenceConfig": {"maxTokens": 200, "temperature": 0.3}}
            """#,
        response: #"""
            {"output": {"message": {"role": "assistant", "content": [{"text": "Boil it for 10 to 12 minutes, then cool it in ice water. The yolk will be firm and pale yellow all the way through."}]}},
             "stopReason": "end_turn", "usage": {"inputTokens": 78, "outputTokens": 31, "totalTokens": 109},
             "metrics": {"latencyMs": 1187}}
            """#
    )

    /// A tool-use turn: the model asks for get_weather.
    package static let toolUse = Sample(
        name: "tool use",
        modelId: haiku,
        request: #"""
            {"messages": [{"role": "user", "content": [{"text": "What's the weather in Lisbon right now?"}]}],
             "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather",
               "description": "Current weather for a city.",
               "inputSchema": {"json": {"type": "object",
                 "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                 "required": ["city"]}}}}]},
             "inferenceConfig": {"maxTokens": 512}}
            """#,
        response: #"""
            {"output": {"message": {"role": "assistant", "content": [
               {"text": "I'll check the current weather in Lisbon."},
               {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather", "input": {"city": "Lisbon", "unit": "celsius"}}}]}},
             "stopReason": "tool_use", "usage": {"inputTokens": 402, "outputTokens": 71, "totalTokens": 473},
             "metrics": {"latencyMs": 958}}
            """#
    )

    /// A streamed answer, recorded through converse-stream with AWS's padding fields.
    package static let streamedHaiku = Sample(
        name: "streamed haiku",
        modelId: haiku,
        request: #"""
            {"messages": [{"role": "user", "content": [{"text": "Write a haiku about a cassette tape."}]}],
             "inferenceConfig": {"maxTokens": 100, "temperature": 0.5}}
            """#,
        events: [
            ("messageStart", #"{"p": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO", "role": "assistant"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex": 0, "delta": {"text": "Ribbon wound in dark,"}, "p": "abcdefghijklmnop"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex": 0, "delta": {"text": "\nsummer songs sleep in plastic"}, "p": "abcdefghij"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex": 0, "delta": {"text": "\u2014\npress play, they wake up."}, "p": "abcdefghijklmnopqrstu"}"#),
            ("contentBlockStop", #"{"contentBlockIndex": 0, "p": "abcdefghijklmnopqrstuvwxyzABCDEFGH"}"#),
            ("messageStop", #"{"p": "abcdefghijklmnopqrstuvwxyzAB", "stopReason": "end_turn"}"#),
            ("metadata", #"{"metrics": {"latencyMs": 1034}, "p": "abcdefghijklmnopqrstuvwxyzABCDEF", "usage": {"inputTokens": 17, "outputTokens": 22, "totalTokens": 39}}"#),
        ]
    )
}
