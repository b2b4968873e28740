import Testing
import TapedeckCodec
@testable import TapedeckBedrock

/// What the keys of the operations after Converse are made of, and what they are not.
@Suite struct KeyedRequestTests {
    private static let titan = "amazon.titan-embed-text-v2:0"
    private static let claude = "anthropic.claude-3-5-haiku-20241022-v1:0"

    private static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    private static func key(
        _ operation: BedrockOperation, _ model: String = titan, headers: [String: String] = [:], body: String
    ) throws -> CacheKey {
        let keyedHeaders = KeyedRequest.headers(operation) { name in headers.first { $0.key.lowercased() == name }?.value }
        let parsed = try KeyedRequest.body(operation, bytes: Array(body.utf8), limits: .request)
        return try KeyedRequest(operation: operation, modelId: model, headers: keyedHeaders, body: parsed).key()
    }

    @Test func converseKeysAreTheVersionOneKeysTheyAlwaysWere() throws {
        let body = #"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#
        let keyed = KeyedRequest(operation: .converseStream, modelId: Self.claude, body: .json(try Self.json(body)))
        #expect(try keyed.key() == CacheKey.derive(modelId: Self.claude, body: try Self.json(body)))
    }

    @Test func jsonBodiesKeyByTheirCanonicalFormAndOtherBodiesByTheirBytes() throws {
        let a = try Self.key(.invokeModel, body: #"{"inputText": "hello", "dimensions": 256, "normalize": true}"#)
        let b = try Self.key(.invokeModel, body: #"{"normalize":true,"dimensions":2.56e2,"inputText":"hello"}"#)
        #expect(a == b)
        #expect(a != (try Self.key(.invokeModel, body: #"{"inputText": "hello!", "dimensions": 256, "normalize": true}"#)))
        let raw = try Self.key(.invokeModel, headers: ["Content-Type": "text/plain"], body: "hello")
        #expect(raw != (try Self.key(.invokeModel, headers: ["Content-Type": "text/plain"], body: "hello ")))
        #expect(try KeyedRequest.body(.invokeModel, bytes: Array("[1, 2]".utf8), limits: .request) == .bytes(Array("[1, 2]".utf8)))
    }

    @Test func theHeadersThatChangeTheAnswerAreKeyedAndNoOthers() throws {
        let body = #"{"inputText": "hello"}"#
        let plain = try Self.key(.invokeModel, body: body)
        // Absent content and accept types are Bedrock's default, application/json.
        #expect(plain == (try Self.key(.invokeModel, headers: ["Content-Type": "application/json", "Accept": "application/json"], body: body)))
        #expect(plain == (try Self.key(.invokeModel, headers: ["Accept": "*/*"], body: body)), "curl's default accept type is the default")
        for (name, value) in [
            ("Accept", "image/png"), ("Content-Type", "text/plain"), ("X-Amzn-Bedrock-Trace", "ENABLED"), ("X-Amzn-Bedrock-GuardrailIdentifier", "gr1"),
            ("X-Amzn-Bedrock-GuardrailVersion", "1"), ("X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized"),
            ("X-Amzn-Bedrock-Service-Tier", "priority"),
        ] {
            #expect(plain != (try Self.key(.invokeModel, headers: [name: value], body: body)), "\(name)")
        }
        for (name, value) in [("X-Amzn-Bedrock-Request-Metadata", "team=a"), ("X-Amzn-Bedrock-ProjectIdentifier", "p1"), ("User-Agent", "x")] {
            #expect(plain == (try Self.key(.invokeModel, headers: [name: value], body: body)), "\(name)")
        }
        // The stream carries its accept type as X-Amzn-Bedrock-Accept; Accept on it means nothing.
        #expect(KeyedRequest.headers(.invokeModelWithResponseStream) { $0 == "x-amzn-bedrock-accept" ? "image/png" : nil }
            .contains(HeaderPair("accept", "image/png")))
        #expect(KeyedRequest.headers(.invokeModelWithResponseStream) { $0 == "accept" ? "image/png" : nil }
            .contains(HeaderPair("accept", "application/json")))
    }

    @Test func anthropicMessagesShareOneKeyAcrossInvokeAndItsStreamOtherFormatsDoNot() throws {
        let messages = #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}"#
        #expect(try Self.key(.invokeModel, Self.claude, body: messages) == Self.key(.invokeModelWithResponseStream, Self.claude, body: messages))
        let titanText = #"{"inputText": "Hi", "textGenerationConfig": {"maxTokenCount": 64}}"#
        #expect(try Self.key(.invokeModel, "amazon.titan-text-express-v1", body: titanText)
            != Self.key(.invokeModelWithResponseStream, "amazon.titan-text-express-v1", body: titanText))
    }

    @Test func operationsAndModelsNeverShareKeys() throws {
        let body = #"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#
        let keys = try [
            Self.key(.converse, Self.claude, body: body), Self.key(.invokeModel, Self.claude, body: body),
            Self.key(.countTokens, Self.claude, body: body), Self.key(.applyGuardrail, "gr1@1", body: body),
            Self.key(.applyGuardrail, "gr1@2", body: body), Self.key(.invokeModel, Self.titan, body: body),
        ]
        #expect(Set(keys).count == keys.count)
    }

    @Test func countTokensKeysAnEmbeddedInvokeBodyByItsCanonicalForm() throws {
        let a = #"{"input": {"invokeModel": {"body": "{\"max_tokens\": 10, \"anthropic_version\": \"bedrock-2023-05-31\"}"}}}"#
        let b = #"{"input": {"invokeModel": {"body": "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":1e1}"}}}"#
        #expect(try Self.key(.countTokens, Self.claude, body: a) == Self.key(.countTokens, Self.claude, body: b))
    }

    @Test func ignoredFieldsApplyToInvokeBodies() throws {
        let body = #"{"anthropic_version": "bedrock-2023-05-31", "metadata": {"user_id": "u1"}, "messages": []}"#
        let other = #"{"anthropic_version": "bedrock-2023-05-31", "metadata": {"user_id": "u2"}, "messages": []}"#
        let keyed = { (text: String) throws -> CacheKey in
            try KeyedRequest(operation: .invokeModel, modelId: Self.claude, body: .json(Self.json(text))).key(ignoring: ["metadata.user_id"])
        }
        #expect(try keyed(body) == keyed(other))
    }
}
