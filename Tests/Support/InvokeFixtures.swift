import TapedeckCodec
import TapedeckBedrock

/// Bodies and answers of the operations after Converse, as Bedrock sends them, for tests through real sockets.
package enum InvokeFixtures {
    package static let claude = "anthropic.claude-3-5-haiku-20241022-v1:0"
    package static let titan = "amazon.titan-embed-text-v2:0"
    package static func path(_ model: String, _ operation: String) -> String {
        "/model/\(BedrockRoute.encodePathSegment(model))/\(operation)"
    }

    package static let titanBody = #"{"inputText": "the quick brown fox", "dimensions": 4, "normalize": true}"#
    package static let titanBodyReordered = #"{"normalize":true,"dimensions":4,"inputText":"the quick brown fox"}"#
    /// Compact, as AWS sends it.
    package static let titanAnswer = #"{"embedding":[0.125,-0.5,0.25,1.0E-3],"inputTextTokenCount":5,"embeddingsByType":{"float":[0.125,-0.5,0.25,1.0E-3]}}"#

    package static let messagesBody = #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}"#
    package static let messagesAnswer = #"{"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"Hi there!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":4}}"#

    /// InvokeModel's answer headers.
    package static func invokeHeaders(input: Int, output: Int) -> [(name: String, value: String)] {
        [("Content-Type", "application/json"), ("X-Amzn-Bedrock-Input-Token-Count", String(input)),
         ("X-Amzn-Bedrock-Output-Token-Count", String(output)), ("X-Amzn-Bedrock-Invocation-Latency", "312"),
         ("x-amzn-RequestId", "origin-1")]
    }

    /// The Anthropic Messages events of a streamed "Hi there!".
    package static let messagesEvents: [String] = [
        #"{"type":"message_start","message":{"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":1}}}"#,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there!"}}"#,
        #"{"type":"content_block_stop","index":0}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}"#,
        #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":8,"outputTokenCount":4,"invocationLatency":512,"firstByteLatency":200}}"#,
    ]

    /// One InvokeModelWithResponseStream frame: `:event-type chunk`, payload `{"bytes": base64, "p": padding}`.
    package static func chunkFrame(_ event: String) -> [UInt8] {
        let payload = #"{"bytes":"\#(Base64.encode(Array(event.utf8)))","p":"abcdefgh"}"#
        return try! EventStreamEncoder.encode(.event(type: "chunk", payload: Array(payload.utf8)))
    }

    /// The model events carried by a stream answer's frames, decoded.
    package static func modelEvents(_ body: [UInt8]) throws -> [JSONValue] {
        try StreamFrames.decode(body).map { message in
            let payload = try JSONParser.parse(message.payload)
            guard let text = payload["bytes"]?.stringValue, let bytes = Base64.decode(text) else { return .null }
            return try JSONParser.parse(bytes)
        }
    }
}
