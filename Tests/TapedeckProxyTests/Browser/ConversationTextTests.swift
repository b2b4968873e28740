import Testing
@testable import TapedeckCodec
@testable import TapedeckProxy
import TapedeckTestSupport

@Suite struct ConversationTextTests {
    private func block(_ json: String) throws -> String {
        var names = ["t1": "lookup"]
        return ConversationText.block(try JSONParser.parse(json), toolNames: &names)
    }

    @Test func blocksReadAsAPersonWouldSayThem() throws {
        #expect(try block(#"{"toolUse": {"toolUseId": "t2", "name": "get_weather", "input": {"city": "Lisbon"}}}"#) == #"→ tool get_weather {"city":"Lisbon"}"#)
        #expect(try block(#"{"toolResult": {"toolUseId": "t1", "content": [{"text": "none"}], "status": "error"}}"#) == "← result lookup (error): none")
        #expect(try block(#"{"toolResult": {"toolUseId": "zz", "content": [{"json": [1]}, {"text": "ok"}]}}"#) == "← result zz: [1] ok")
        #expect(try block(#"{"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://b/k.jpg"}}}}"#) == "[image jpeg, s3://b/k.jpg]")
        #expect(try block(#"{"video": {"format": "mp4", "source": {"bytes": "AAAA"}}}"#) == "[video mp4, 3 bytes]")
        #expect(try block(#"{"reasoningContent": {"reasoningText": {"text": "Hmm.", "signature": "s"}}}"#) == "(thinking) Hmm.")
        #expect(try block(#"{"reasoningContent": {"redactedContent": "AAAA"}}"#) == "[redacted reasoning]")
        #expect(try block(#"{"guardContent": {"text": {"text": "checked"}}}"#) == "[guarded] checked")
        #expect(try block(#"{"citationsContent": {}}"#) == "[citationsContent]")
    }

    @Test func aTurnPutsLaterBlocksAndLinesOnIndentedLines() throws {
        var names: [String: String] = [:]
        let blocks = try JSONParser.parse(#"[{"text": "one\ntwo"}, {"cachePoint": {"type": "default"}}]"#).arrayValue ?? []
        #expect(ConversationText.turn("user", blocks, toolNames: &names) == "user: one\n  two\n  [cache point]")
        #expect(ConversationText.turn("user", [], toolNames: &names) == "user: [nothing]")
    }
}
