import TapedeckBedrock

/// The interactions the bundled Cassettes/ holds: realistic requests and the answers recorded for them.
package enum SampleInteractions {
    package struct Sample {
        package let name: String
        package let modelId: String
        package let request: String
        /// The whole answer, for samples recorded through `converse` or `invoke`.
        package var response: String = ""
        /// The stream's events as (type, payload JSON), for samples recorded through a stream; for
        /// `invoke-with-response-stream`, type `chunk` and the model event each chunk carries.
        package var events: [(type: String, payload: String)] = []
        /// The operation it is recorded through.
        package var operation: BedrockOperation = .converse
        /// Response headers upstream sent besides Content-Type (InvokeModel's token counts and latency).
        package var responseHeaders: [(name: String, value: String)] = []

        /// The request as its key sees it (sent with `Content-Type: application/json` and no accept type).
        package var keyedRequest: KeyedRequest {
            get throws {
                let parsed = try KeyedRequest.body(operation, bytes: Array(request.utf8), limits: .request)
                let headers = KeyedRequest.headers(operation) { $0 == "content-type" ? "application/json" : nil }
                return KeyedRequest(operation: operation, modelId: modelId, headers: headers, body: parsed)
            }
        }
    }

    package static let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    package static let sonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0"

    package static let titanEmbed = "amazon.titan-embed-text-v2:0"
    package static let claudeHaiku = "anthropic.claude-3-5-haiku-20241022-v1:0"

    package static let all: [Sample] = [plainChat, multiTurn, toolUse, streamedHaiku, embedding, streamedMessages]

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
        ],
        operation: .converseStream
    )

    /// A Titan text embedding through InvokeModel, with AWS's token-count headers.
    package static let embedding = Sample(
        name: "Titan embedding",
        modelId: titanEmbed,
        request: #"{"inputText": "Tapedeck records Bedrock calls and replays them offline.", "dimensions": 8, "normalize": true}"#,
        response: #"{"embedding":[-0.3921532,0.1027749,0.5114381,-0.0872512,0.2960844,-0.4409216,0.1593027,0.5106228],"embeddingsByType":{"float":[-0.3921532,0.1027749,0.5114381,-0.0872512,0.2960844,-0.4409216,0.1593027,0.5106228]},"inputTextTokenCount":11}"#,
        operation: .invokeModel,
        responseHeaders: [("X-Amzn-Bedrock-Input-Token-Count", "11"), ("X-Amzn-Bedrock-Output-Token-Count", "0"),
                          ("X-Amzn-Bedrock-Invocation-Latency", "47")]
    )

    /// An Anthropic Messages answer streamed through InvokeModelWithResponseStream.
    package static let streamedMessages = Sample(
        name: "streamed Anthropic Messages",
        modelId: claudeHaiku,
        request: #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 128, "system": "You name things in three words or fewer.", "messages": [{"role": "user", "content": "Name a cassette brand."}]}"#,
        events: [
            ("chunk", #"{"type":"message_start","message":{"id":"msg_bdrk_01XkQm6pUJbZk6x4rXqeFv3N","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":24,"output_tokens":1}}}"#),
            ("chunk", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("chunk", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"TDK"}}"#),
            ("chunk", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" SA90."}}"#),
            ("chunk", #"{"type":"content_block_stop","index":0}"#),
            ("chunk", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}"#),
            ("chunk", #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":24,"outputTokenCount":7,"invocationLatency":402,"firstByteLatency":318}}"#),
        ],
        operation: .invokeModelWithResponseStream
    )
}
