import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Telling Anthropic Messages requests apart, and reading token counts from answers and streams.
@Suite struct AnthropicMessagesTests {
    private func usage(_ answer: String) throws -> [Int]? {
        AnthropicMessages.usage(of: try ConverseFixtures.parse(answer)).map { [$0.input, $0.output] }
    }

    private func usage(events lines: [String]) throws -> [Int]? {
        AnthropicMessages.usage(ofEvents: try AnthropicStreamFoldTests.events(lines)).map { [$0.input, $0.output] }
    }

    @Test func anAnthropicRequestIsAnObjectWithAStringAnthropicVersion() throws {
        #expect(AnthropicMessages.isRequest(try ConverseFixtures.parse(
            #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}"#)))
        #expect(AnthropicMessages.isRequest(try ConverseFixtures.parse(#"{"anthropic_version": ""}"#)))
        #expect(!AnthropicMessages.isRequest(try ConverseFixtures.parse(#"{"anthropic_version": 20230531, "messages": []}"#)))
        #expect(!AnthropicMessages.isRequest(try ConverseFixtures.parse(#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#)))
        #expect(!AnthropicMessages.isRequest(try ConverseFixtures.parse(#"{"inputText": "embed me"}"#)))
        #expect(!AnthropicMessages.isRequest(try ConverseFixtures.parse(#"[{"anthropic_version": "bedrock-2023-05-31"}]"#)))
        #expect(!AnthropicMessages.isRequest(.string("anthropic_version")))
    }

    @Test func readsTheAnswersInputAndOutputTokens() throws {
        #expect(try usage(AnthropicMessagesStreamTests.answer("[]", usage: #"{"input_tokens":21,"output_tokens":5}"#)) == [21, 5])
        #expect(try usage(#"{"usage":{"input_tokens":45,"cache_creation_input_tokens":10,"cache_read_input_tokens":1024,"output_tokens":88}}"#)
            == [45, 88], "cache counts are not input tokens")
        #expect(try usage(#"{"usage":{"input_tokens":21}}"#) == nil)
        #expect(try usage(#"{"usage":{"input_tokens":21,"output_tokens":5.0}}"#) == nil)
        #expect(try usage(#"{"usage":{"input_tokens":"21","output_tokens":5}}"#) == nil)
        #expect(try usage(#"{"content":[]}"#) == nil)
    }

    @Test func readsAStreamsTokensFromBedrocksInvocationMetricsFirst() throws {
        #expect(try usage(events: AnthropicStreamFoldTests.textStream) == [21, 5])
        let metricsDisagree = AnthropicStreamFoldTests.textStream.dropLast() + [
            #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":1045,"outputTokenCount":6,"#
                + #""invocationLatency":412,"firstByteLatency":298}}"#,
        ]
        #expect(try usage(events: Array(metricsDisagree)) == [1045, 6])
    }

    @Test func elseMergesMessageStartAndMessageDeltaUsage() throws {
        let start = AnthropicStreamFoldTests.start
        #expect(try usage(events: [start, AnthropicStreamFoldTests.endTurn, #"{"type":"message_stop"}"#]) == [21, 5])
        #expect(try usage(events: [start, #"{"type":"message_stop"}"#]) == [21, 1], "message_start's count when no delta has one")
        #expect(try usage(events: [
            start, #"{"type":"message_delta","delta":{},"usage":{"input_tokens":30,"output_tokens":7}}"#,
            #"{"type":"message_delta","delta":{},"usage":{"output_tokens":9}}"#,
        ]) == [30, 9], "later deltas take precedence, member by member")
        #expect(try usage(events: [AnthropicStreamFoldTests.endTurn]) == nil, "no input count without message_start")
        #expect(try usage(events: []) == nil)
        #expect(try usage(events: [start, #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":3}}"#])
            == [21, 1], "incomplete metrics fall back to the usage")
    }
}
