import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct ContentBlockTests {
    private func parse(_ json: String) throws -> ContentBlock {
        ContentBlock(try JSONParser.parse(json))
    }

    @Test(arguments: [("", 0), ("QQ==", 1), ("QUI=", 2), ("QUJD", 3), ("QUJDRA==", 4), ("QUJD\nREVG", 6)])
    func base64SizesAreTheDecodedBytes(_ text: String, _ size: Int) {
        #expect(ContentBlock.Media.decodedSize(base64: text) == size)
    }

    @Test func everyKindOfBlockIsRecognised() throws {
        #expect(try parse(#"{"text": "hi"}"#) == .text("hi"))
        #expect(try parse(#"{"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Lisbon"}}}"#)
            == .toolUse(id: "t1", name: "get_weather", input: .object([JSONMember("city", .string("Lisbon"))])))
        #expect(try parse(#"{"toolResult": {"toolUseId": "t1", "content": [{"json": [1]}, {"text": "ok"}], "status": "error"}}"#)
            == .toolResult(id: "t1", status: "error", content: [.json(.array([.number("1")])), .text("ok")]))
        #expect(try parse(#"{"image": {"format": "png", "source": {"bytes": "QUJD"}}}"#)
            == .media(.init(kind: "image", format: "png", name: nil, source: .bytes("QUJD"))))
        #expect(try parse(#"{"document": {"format": "pdf", "name": "report", "source": {"s3Location": {"uri": "s3://b/r.pdf"}}}}"#)
            == .media(.init(kind: "document", format: "pdf", name: "report", source: .s3(uri: "s3://b/r.pdf"))))
        #expect(try parse(#"{"reasoningContent": {"reasoningText": {"text": "Hmm."}}}"#) == .reasoning("Hmm."))
        #expect(try parse(#"{"reasoningContent": {"redactedContent": "AAAA"}}"#) == .reasoning(nil))
        #expect(try parse(#"{"cachePoint": {"type": "default"}}"#) == .cachePoint)
        #expect(try parse(#"{"guardContent": {"text": {"text": "checked"}}}"#) == .guarded("checked"))
        #expect(try parse(#"{"json": {}}"#) == .other("json"), "json is a part of a tool result, not a block of its own")
        #expect(try parse(#""text""#) == .other("unknown block"))
    }

    @Test func mediaLabelsNameKindFormatNameAndSize() {
        #expect(ContentBlock.Media(kind: "image", format: "png", name: nil, source: .bytes("QUJDRA==")).label == "image png, 4 bytes")
        #expect(ContentBlock.Media(kind: "document", format: "pdf", name: "itinerary", source: .bytes("QUJD")).label
            == #"document pdf "itinerary", 3 bytes"#)
        #expect(ContentBlock.Media(kind: "video", format: "mp4", name: nil, source: .s3(uri: "s3://b/v.mp4")).label == "video mp4, s3://b/v.mp4")
        #expect(ContentBlock.Media(kind: "image", format: nil, name: nil, source: .none).label == "image")
    }
}
