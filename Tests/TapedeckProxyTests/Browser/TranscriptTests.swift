import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckProxy

@Suite struct TranscriptTests {
    private func source(_ format: String?, _ text: String, kind: String = "image", budget: Int = Transcript.inlineImageBudget) -> String? {
        var budget = budget
        return Transcript.imageSource(ContentBlock.Media(kind: kind, format: format, name: nil, source: .bytes(text)), budget: &budget)
    }

    @Test func onlyPlainBase64ImagesOfSafeFormatsBecomeDataURLs() {
        #expect(source("png", "QUJD") == "data:image/png;base64,QUJD")
        #expect(source("JPEG", "QUJD\r\nREVG") == "data:image/jpeg;base64,QUJDREVG", "line breaks are dropped")
        #expect(source("gif", "QUJD") == "data:image/gif;base64,QUJD")
        #expect(source("webp", "QUJD") == "data:image/webp;base64,QUJD")
        #expect(source("svg", "QUJD") == nil, "SVG can carry script")
        #expect(source(nil, "QUJD") == nil)
        #expect(source("png", "QUJD", kind: "document") == nil)
        #expect(source("png", "QUJ\"><script>") == nil)
        #expect(source("png", "QUJ") == nil, "not whole base64 groups")
        #expect(source("png", "") == nil)
        #expect(source("png", "QUJD", budget: 3) == nil, "over the budget the page shows the label")
    }

    @Test func imagesShareOneBudgetPerTranscript() {
        var budget = 8
        var names: [String: String] = [:]
        let image = ContentBlock.media(.init(kind: "image", format: "png", name: nil, source: .bytes("QUJDREVG")))
        #expect(Transcript.block(image, toolNames: &names, budget: &budget)["src"] != nil)
        #expect(Transcript.block(image, toolNames: &names, budget: &budget)["src"] == nil)
        #expect(Transcript.block(image, toolNames: &names, budget: &budget)["label"]?.stringValue == "image png, 6 bytes")
    }
}

@Suite struct TranscriptJSONTextTests {
    @Test func shortJSONStaysOnOneLineAndLongJSONIsIndented() throws {
        #expect(Transcript.readable(try JSONParser.parse(#"{"city": "Lisbon", "unit": "celsius"}"#)) == #"{"city":"Lisbon","unit":"celsius"}"#)
        let long = try JSONParser.parse(#"{"query": "\#(String(repeating: "x", count: 80))", "limit": 5}"#)
        #expect(Transcript.readable(long) == "{\n  \"limit\": 5,\n  \"query\": \"\(String(repeating: "x", count: 80))\"\n}")
    }
}
