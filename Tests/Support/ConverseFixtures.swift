import Foundation
import TapedeckCodec

/// Shared documents for the Converse tests: a realistic boto3-shaped request and helpers.
package enum ConverseFixtures {
    /// A Converse request as boto3 writes it: `", "` / `": "` separators, non-ASCII escaped, caller's key order.
    package static let boto3Request = #"""
    {"messages": [{"role": "user", "content": [{"text": "Caf\u00e9 \u2615 and \ud83d\ude00: describe this image"}, {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}}]}, {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris", "units": "metric"}}}]}, {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"temperature": 21.5, "sky": "clear"}}], "status": "success"}}]}], "system": [{"text": "You are terse.\nAnswer in \"one\" line."}], "inferenceConfig": {"maxTokens": 512, "temperature": 0.7, "topP": 0.9, "stopSequences": ["\n\nHuman:"]}, "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "Weather for a city", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}, "units": {"type": "string", "enum": ["metric", "imperial"]}}, "required": ["city"]}}}}], "toolChoice": {"auto": {}}}, "additionalModelRequestFields": {"top_k": 250, "nested": [null, true, false, -0, 1e-7, 12345678901234567890]}, "requestMetadata": {"team": "search", "run": "42"}, "serviceTier": {"type": "priority"}}
    """#

    /// The same request with other key order, no whitespace, raw UTF-8 and other number spellings.
    package static let reorderedRequest = #"""
    {
      "serviceTier":{"type":"priority"},
      "requestMetadata":{"run":"43","team":"other"},
      "additionalModelRequestFields":{"nested":[null,true,false,0,0.0000001,1.234567890123456789e19],"top_k":250.0},
      "toolConfig":{"toolChoice":{"auto":{}},"tools":[{"toolSpec":{"inputSchema":{"json":{"required":["city"],"properties":{"units":{"enum":["metric","imperial"],"type":"string"},"city":{"type":"string"}},"type":"object"}},"description":"Weather for a city","name":"get_weather"}}]},
      "inferenceConfig":{"stopSequences":["\n\nHuman:"],"topP":0.90,"temperature":7e-1,"maxTokens":5.12E2},
      "system":[{"text":"You are terse.\u000aAnswer in \u0022one\u0022 line."}],
      "messages":[{"content":[{"text":"Café ☕ and 😀: describe this image"},{"image":{"source":{"bytes":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="},"format":"png"}}],"role":"user"},{"role":"assistant","content":[{"toolUse":{"input":{"units":"metric","city":"Paris"},"name":"get_weather","toolUseId":"tooluse_1"}}]},{"role":"user","content":[{"toolResult":{"status":"success","content":[{"json":{"sky":"clear","temperature":21.50}}],"toolUseId":"tooluse_1"}}]}]
    }
    """#

    package static func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    package static func string(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Foundation's reading of `bytes`, as an oracle only.
    package static func foundation(_ bytes: [UInt8]) throws -> NSObject {
        let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        guard let value = object as? NSObject else { throw CocoaError(.coderReadCorrupt) }
        return value
    }

    /// A deterministic generator so randomized tests reproduce.
    package struct SeededGenerator: RandomNumberGenerator {
        package var state: UInt64

        /// A generator whose sequence is fixed by `state`.
        package init(state: UInt64) {
            self.state = state
        }

        package mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
