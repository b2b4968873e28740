import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Reading Titan and Cohere embedding requests and answers.
@Suite struct EmbeddingBodiesTests {
    private func inputs(_ request: String) throws -> [String]? {
        EmbeddingBodies.inputs(of: try ConverseFixtures.parse(request))
    }

    private func lengths(_ answer: String) throws -> [Int]? {
        EmbeddingBodies.vectorLengths(of: try ConverseFixtures.parse(answer))
    }

    @Test func readsTheTextsToEmbed() throws {
        #expect(try inputs(#"{"inputText": "Caf\u00e9 \u2615 prices", "dimensions": 256, "normalize": true}"#) == ["Café ☕ prices"])
        #expect(try inputs(#"{"texts": ["first doc", "second doc", ""], "input_type": "search_document", "truncate": "END"}"#)
            == ["first doc", "second doc", ""])
        #expect(try inputs(#"{"texts": [], "input_type": "search_query"}"#) == [])
        #expect(try inputs(#"{"texts": ["a", 1]}"#) == nil)
        #expect(try inputs(#"{"inputText": null}"#) == nil)
        #expect(try inputs(#"{"anthropic_version": "bedrock-2023-05-31", "messages": []}"#) == nil)
        #expect(try inputs(#"["inputText"]"#) == nil)
    }

    @Test func readsTitanVectorLengthsAndTokenCount() throws {
        let titan = #"{"embedding": [0.0123, -0.0456, 0.0789, 1e-3], "embeddingsByType": {"float": [0.0123, -0.0456, 0.0789, 1e-3]}, "#
            + #""inputTextTokenCount": 7}"#
        #expect(try lengths(titan) == [4])
        #expect(EmbeddingBodies.inputTokens(of: try ConverseFixtures.parse(titan)) == 7)
        #expect(try lengths(#"{"embeddingsByType": {"binary": [1, 0, 1]}, "inputTextTokenCount": 3}"#) == [3],
                "binary only: the first type")
        #expect(try lengths(#"{"embedding": [], "inputTextTokenCount": 0}"#) == [0])
        #expect(try lengths(#"{"embedding": "nope"}"#) == nil)
    }

    @Test func readsCohereVectorLengthsInBothShapes() throws {
        #expect(try lengths(#"{"id": "6b5fe1a1", "embeddings": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "#
            + #""response_type": "embeddings_floats", "texts": ["first doc", "second doc"]}"#) == [3, 3])
        #expect(try lengths(#"{"id": "6b5fe1a1", "embeddings": {"int8": [[1, 2], [3, 4], [5, 6]], "float": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]}, "#
            + #""response_type": "embeddings_by_type", "texts": ["a", "b", "c"]}"#) == [2, 2, 2], "the first type present")
        #expect(try lengths(#"{"embeddings": []}"#) == [])
        #expect(try lengths(#"{"embeddings": {}}"#) == nil)
        #expect(try lengths(#"{"embeddings": [[0.1], 0.2]}"#) == nil)
        #expect(EmbeddingBodies.inputTokens(of: try ConverseFixtures.parse(#"{"embeddings": [[0.1]]}"#)) == nil)
        #expect(EmbeddingBodies.inputTokens(of: try ConverseFixtures.parse(#"{"inputTextTokenCount": 7.5}"#)) == nil)
    }

    @Test func otherAnswersHaveNoVectors() throws {
        #expect(try lengths(AnthropicMessagesStreamTests.answer("[]")) == nil)
        #expect(try lengths("[]") == nil)
    }
}
