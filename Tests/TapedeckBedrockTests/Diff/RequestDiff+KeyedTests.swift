import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// How a replay miss of any operation is told apart from the recorded request nearest to it.
@Suite struct RequestDiffKeyedTests {
    private static let json = HeaderPair("content-type", "application/json")
    private static let accept = HeaderPair("accept", "application/json")

    private static func request(
        _ operation: BedrockOperation = .invokeModel, model: String = InvokeFixtures.titan,
        headers: [HeaderPair] = [json, accept], body: String
    ) throws -> KeyedRequest {
        KeyedRequest(operation: operation, modelId: model, headers: headers, body: .json(try ConverseFixtures.parse(body)))
    }

    private static func bytes(_ text: String, operation: BedrockOperation = .invokeModel) -> KeyedRequest {
        KeyedRequest(operation: operation, modelId: "m", headers: [HeaderPair("content-type", "text/plain"), accept],
                     body: .bytes(Array(text.utf8)))
    }

    private static func anthropic(
        _ operation: BedrockOperation = .invokeModel, maxTokens: Int = 64, text: String = "Hello"
    ) throws -> KeyedRequest {
        try request(operation, model: InvokeFixtures.claude, body: #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": \#(maxTokens), "#
                    + #""messages": [{"role": "user", "content": "\#(text)"}]}"#)
    }

    @Test func identicalRequestsHaveNoDifferences() throws {
        let titan = try Self.request(body: InvokeFixtures.titanBody)
        #expect(RequestDiff.differences(from: titan, to: titan).isEmpty)
        #expect(RequestDiff.differences(from: titan, to: try Self.request(body: InvokeFixtures.titanBodyReordered)).isEmpty)
        #expect(RequestDiff.differences(from: Self.bytes("same"), to: Self.bytes("same")).isEmpty)
    }

    @Test func headersAddedRemovedAndChanged() throws {
        let body = InvokeFixtures.titanBody
        let recorded = try Self.request(headers: [Self.json, Self.accept, HeaderPair("x-amzn-bedrock-trace", "ENABLED")], body: body)
        let asked = try Self.request(
            headers: [Self.json, HeaderPair("accept", "image/png"), HeaderPair("x-amzn-bedrock-service-tier", "priority")], body: body)
        #expect(RequestDiff.differences(from: recorded, to: asked) == [
            "header accept application/json → image/png",
            "header x-amzn-bedrock-trace removed (was ENABLED)",
            "header x-amzn-bedrock-service-tier added (priority)",
        ])
    }

    @Test func modelAndOperationAreNamedWhenTheyDoNotAnswerOneAnother() throws {
        let titan = try Self.request(body: InvokeFixtures.titanBody)
        let stream = try Self.request(.invokeModelWithResponseStream, body: InvokeFixtures.titanBody)
        #expect(RequestDiff.differences(from: titan, to: stream) == ["operation invoke → invoke-with-response-stream"])
        let other = try Self.request(model: "amazon.titan-embed-text-v1", body: InvokeFixtures.titanBody)
        #expect(RequestDiff.differences(from: titan, to: other) == ["model amazon.titan-embed-text-v2:0 → amazon.titan-embed-text-v1"])
        // Anthropic Messages through InvokeModel and its stream share cassettes: the operation is no difference.
        let anthropicStream = try Self.anthropic(.invokeModelWithResponseStream)
        #expect(RequestDiff.differences(from: try Self.anthropic(.invokeModel), to: anthropicStream).isEmpty)
        // Converse and ConverseStream likewise; requestMetadata only tags logs.
        let converse = KeyedRequest(operation: .converse, modelId: "m", body: .json(try ConverseFixtures.parse(#"{"messages": []}"#)))
        let converseStream = KeyedRequest(operation: .converseStream, modelId: "m", body: .json(try ConverseFixtures.parse(
            #"{"messages": [], "requestMetadata": {"run": "7"}}"#)))
        #expect(RequestDiff.differences(from: converse, to: converseStream).isEmpty)
    }

    @Test func anthropicBodiesAreToldInConverseTerms() throws {
        #expect(RequestDiff.differences(from: try Self.anthropic(maxTokens: 64), to: try Self.anthropic(maxTokens: 128))
            == ["maxTokens 64 → 128"])
        let help = try Self.anthropic(.invokeModelWithResponseStream, text: "Help")
        #expect(RequestDiff.differences(from: try Self.anthropic(text: "Hello"), to: help)
            == [#"message 1 text differs at character 4: "Hello" → "Help""#])
    }

    @Test func embeddingBodiesAreToldByJSONPath() throws {
        let four = try Self.request(body: InvokeFixtures.titanBody)
        let eight = try Self.request(body: #"{"inputText": "the quick brown fox", "dimensions": 8, "normalize": true}"#)
        #expect(RequestDiff.differences(from: four, to: eight) == ["body: dimensions 4 → 8"])
        let cohere = try Self.request(model: "cohere.embed-english-v3", body: #"{"texts": ["a", "b"], "input_type": "search_document"}"#)
        let cohereQuery = try Self.request(
            model: "cohere.embed-english-v3", body: #"{"texts": ["a", "c"], "input_type": "search_document", "truncate": "END"}"#)
        #expect(RequestDiff.differences(from: cohere, to: cohereQuery) == [#"body: texts[1] "b" → "c""#],
                "only the first difference by path, in name order")
    }

    @Test func bodiesThatAreNotJSONAreToldBySize() throws {
        #expect(RequestDiff.differences(from: Self.bytes("hello"), to: Self.bytes("hello world"))
            == ["body (not JSON) differs: 5 → 11 bytes"])
        #expect(RequestDiff.differences(from: Self.bytes("hello"), to: Self.bytes("HELLO"))
            == ["body (not JSON) differs: 5 → 5 bytes"])
        let json = try Self.request(model: "m", headers: Self.bytes("").headers, body: #"{"a": 1}"#)
        #expect(RequestDiff.differences(from: Self.bytes("hello"), to: json) == ["body was 5 bytes of non-JSON, now JSON"])
        #expect(RequestDiff.differences(from: json, to: Self.bytes("hello!")) == ["body was JSON, now 6 bytes of non-JSON"])
    }

    @Test func atMostLimitLinesThenHowManyMore() throws {
        let recorded = try Self.request(
            headers: [Self.json, Self.accept, HeaderPair("x-amzn-bedrock-trace", "ENABLED")], body: InvokeFixtures.titanBody)
        let asked = try Self.request(
            model: "amazon.titan-embed-text-v1", headers: [HeaderPair("content-type", "text/json"), HeaderPair("accept", "image/png")],
                                     body: #"{"inputText": "x"}"#)
        let all = [
            "model amazon.titan-embed-text-v2:0 → amazon.titan-embed-text-v1",
            "header content-type application/json → text/json",
            "header accept application/json → image/png",
            "header x-amzn-bedrock-trace removed (was ENABLED)",
            "body: dimensions removed",
        ]
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 10) == all)
        #expect(RequestDiff.differences(from: recorded, to: asked) == all, "five fit the default limit")
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 4) == Array(all.prefix(4)) + ["and 1 more difference"])
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 2) == Array(all.prefix(2)) + ["and 3 more differences"])
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 0) == ["and 5 more differences"])
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: -1) == ["and 5 more differences"])
    }

    @Test func theLimitCountsConversationLinesToo() throws {
        let recorded = try Self.request(model: InvokeFixtures.claude,
            body: #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "temperature": 0.1, "top_p": 0.5, "#
                + #""messages": [{"role": "user", "content": "Hi"}]}"#)
        let asked = try Self.request(model: InvokeFixtures.claude, headers: [Self.json, HeaderPair("accept", "image/png")],
            body: #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 65, "temperature": 0.2, "top_p": 0.6, "#
                + #""messages": [{"role": "user", "content": "Hi"}]}"#)
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 2)
            == ["header accept application/json → image/png", "maxTokens 64 → 65", "and 2 more differences"])
    }

    /// An Anthropic Messages recording and a request to the same model without `anthropic_version` are in different
    /// nearest groups, and `tapedeck diff` between them compares the bodies as sent, by JSON path.
    @Test func aRequestThatDroppedAnthropicVersionIsToldWhatItChanged() throws {
        let recorded = try Self.anthropic(.invokeModelWithResponseStream)
        let asked = try Self.request(model: InvokeFixtures.claude,
                                     body: #"{"max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}"#)
        #expect(recorded.nearestGroup != asked.nearestGroup)
        let lines = RequestDiff.differences(from: recorded, to: asked)
        #expect(lines.first == "operation invoke-with-response-stream → invoke", "\(lines)")
        #expect(lines.contains { $0.contains("anthropic_version") }, "\(lines)")
        #expect(!lines.contains { $0.contains("additionalModelRequestFields") }, "\(lines)")
    }

    @Test func comparableIsWhatTheIndexKeeps() throws {
        let converse = KeyedRequest(operation: .converse, modelId: "m", body: .json(try ConverseFixtures.parse(
            #"{"messages": [], "requestMetadata": {"run": "7"}}"#)))
        #expect(converse.comparable == (try ConverseFixtures.parse(#"{"messages": []}"#)), "requestMetadata only tags logs")
        #expect(converse.comparesAsConversation)
        let anthropic = try Self.anthropic()
        #expect(anthropic.comparesAsConversation)
        #expect(anthropic.comparable == anthropic.conversation)
        let titan = try Self.request(body: InvokeFixtures.titanBody)
        #expect(!titan.comparesAsConversation)
        #expect(titan.comparable == (try ConverseFixtures.parse(InvokeFixtures.titanBody)))
        #expect(!Self.bytes("x").comparesAsConversation)
        #expect(Self.bytes("x").comparable == .object([]))
        let countTokens = KeyedRequest(operation: .countTokens, modelId: "m", body: .json(try ConverseFixtures.parse(#"{"input": {}}"#)))
        #expect(!countTokens.comparesAsConversation)
        #expect(countTokens.comparable == (try ConverseFixtures.parse(#"{"input": {}}"#)))
    }

    @Test func comparableDifferencesInEitherTerms() throws {
        let a = try ConverseFixtures.parse(#"{"messages": [], "inferenceConfig": {"maxTokens": 1}}"#)
        let b = try ConverseFixtures.parse(#"{"messages": [], "inferenceConfig": {"maxTokens": 2}}"#)
        #expect(RequestDiff.comparableDifferences(from: a, to: b, asConversation: true) == ["maxTokens 1 → 2"])
        #expect(RequestDiff.comparableDifferences(from: a, to: b, asConversation: false) == ["body: inferenceConfig.maxTokens 1 → 2"])
        #expect(RequestDiff.comparableDifferences(from: a, to: a, asConversation: false) == [])
    }

    @Test func nearestGroupKeepsChatsAndEmbeddingsApart() throws {
        let converse = KeyedRequest(operation: .converseStream, modelId: InvokeFixtures.claude, body: .json(.object([])))
        #expect(converse.nearestGroup == InvokeFixtures.claude, "Converse groups by model as before")
        #expect(try Self.anthropic(.invokeModel).nearestGroup == "invoke anthropic-messages \(InvokeFixtures.claude)")
        #expect(try Self.anthropic(.invokeModelWithResponseStream).nearestGroup == "invoke anthropic-messages \(InvokeFixtures.claude)")
        #expect(try Self.request(.invokeModelWithResponseStream, body: InvokeFixtures.titanBody).nearestGroup
            == "invoke-with-response-stream \(InvokeFixtures.titan)")
        let countTokens = KeyedRequest(operation: .countTokens, modelId: InvokeFixtures.claude, body: .json(.object([])))
        #expect(countTokens.nearestGroup == "count-tokens \(InvokeFixtures.claude)")
        #expect(converse.nearestGroup != (try Self.anthropic()).nearestGroup)
    }
}
