import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// The cassette file format: `Cassette.swift` and `Cassette+JSON.swift`.
@Suite struct CassetteTests {
    private let hex = String(repeating: "0123456789abcdef", count: 4)

    private func small() throws -> Cassette {
        Cassette(
            key: try #require(CacheKey(hex: hex)), operation: .converse, modelId: "a/b:0",
            request: .object([JSONMember("a", .array([])), JSONMember("z", .number("0.70"))]),
            response: RecordedResponse(status: 200, contentType: "application/json",
                                       body: .object([JSONMember("text", .string("x/y é"))])),
            upstreamLatencyMs: 42, recordedAt: "2026-11-25T17:04:05Z")
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The fixture's JSON with the top-level member `name` replaced by `value` (or removed when nil).
    private func document(replacing name: String, with value: JSONValue?) -> JSONValue {
        guard case .object(let members) = CassetteFixtures.cassette().jsonValue else { return .null }
        var result = members.filter { $0.key != name }
        if let value { result.append(JSONMember(name, value)) }
        return .object(result)
    }

    /// The fixture's JSON with `response.<name>` replaced by `value` (or removed when nil).
    private func document(replacingResponse name: String, with value: JSONValue?) -> JSONValue {
        guard case .object(let members) = CassetteFixtures.cassette().jsonValue["response"] else { return .null }
        var response = members.filter { $0.key != name }
        if let value { response.append(JSONMember(name, value)) }
        return document(replacing: "response", with: .object(response))
    }

    private func reason(_ json: JSONValue) -> String? {
        do {
            _ = try Cassette(json: json)
            return nil
        } catch {
            guard case .malformed(let reason) = error else { return "unexpected \(error)" }
            return reason
        }
    }

    @Test func encodesAKnownFileExactly() throws {
        // Keys sorted at every level, two-space indent, literals as stored, `/` and `é` raw, one trailing newline.
        let expected = """
        {
          "format": 1,
          "key": "\(hex)",
          "modelId": "a/b:0",
          "operation": "converse",
          "recordedAt": "2026-11-25T17:04:05Z",
          "request": {
            "a": [],
            "z": 0.70
          },
          "response": {
            "body": {
              "text": "x/y é"
            },
            "contentType": "application/json",
            "status": 200
          },
          "upstreamLatencyMs": 42
        }

        """
        #expect(text(try small().encoded()) == expected)
    }

    @Test func fileIsPrettySortedNewlineTerminatedWithoutEscapedSlashes() {
        let cassette = CassetteFixtures.cassette()
        let bytes = cassette.encoded()
        let file = text(bytes)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(!file.hasSuffix("\n\n"))
        #expect(!file.contains(#"\/"#))
        #expect(file.contains(#""modelId": "\#(CassetteFixtures.model)""#))
        #expect(file.contains("a/b\\\\c"))
        #expect(file.contains("Café ☕ 😀"))
        let lines = CassetteFixtures.lines(bytes)
        let topLevel = lines.filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
        #expect(topLevel == ["format", "key", "modelId", "operation", "recordedAt", "request", "response", "upstreamLatencyMs"])
        #expect(lines.first == "{")
        #expect(lines.dropLast().last == "}")
        // Every indent is a multiple of two spaces.
        #expect(lines.allSatisfy { $0.prefix { $0 == " " }.count % 2 == 0 })
    }

    @Test func decodingTheEncodingGivesEveryFieldBack() throws {
        let cassette = CassetteFixtures.cassette(latency: 0, recordedAt: "1970-01-01T00:00:00Z")
        let decoded = try Cassette(json: JSONParser.parse(cassette.encoded()))
        #expect(decoded == CassetteFixtures.asLoaded(cassette))
        #expect(decoded.key == cassette.key)
        #expect(decoded.operation == .converseStream)
        #expect(decoded.modelId == CassetteFixtures.model)
        #expect(decoded.upstreamLatencyMs == 0)
        #expect(decoded.recordedAt == "1970-01-01T00:00:00Z")
        #expect(decoded.response.status == 200)
        #expect(decoded.response.contentType == "application/json")
        // Number literals keep their spelling, so a replay sends upstream's digits.
        #expect(decoded.request["inferenceConfig"]?["temperature"] == .number("0.70"))
        // A file whose keys were already sorted decodes to an identical value.
        #expect(try Cassette(json: JSONParser.parse(small().encoded())) == small())
    }

    @Test(arguments: BedrockOperation.allCases)
    func everyOperationRoundTrips(_ operation: BedrockOperation) throws {
        var cassette = try small()
        cassette.operation = operation
        #expect(try Cassette(json: JSONParser.parse(cassette.encoded())).operation == operation)
    }

    @Test(arguments: ["format", "key", "operation", "modelId", "recordedAt", "upstreamLatencyMs", "request", "response"])
    func everyTopLevelFieldIsRequired(_ name: String) {
        let reason = reason(document(replacing: name, with: nil))
        #expect(reason?.contains("\"\(name)\"") == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: ["status", "contentType", "body"])
    func everyResponseFieldIsRequired(_ name: String) {
        let reason = reason(document(replacingResponse: name, with: nil))
        #expect(reason?.contains(name) == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: [
        ("format", JSONValue.string("1")), ("format", .number("1.0")), ("format", .number("1e0")), ("format", .null),
        ("key", .number("1")), ("operation", .bool(true)), ("modelId", .array([])), ("recordedAt", .number("0")),
        ("upstreamLatencyMs", .string("12")), ("upstreamLatencyMs", .number("1.5")),
        ("request", .string("{}")), ("request", .array([])), ("response", .null),
    ])
    func wrongTypesAreRefused(_ name: String, _ value: JSONValue) {
        let reason = reason(document(replacing: name, with: value))
        #expect(reason?.contains("\"\(name)\"") == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: [("status", JSONValue.string("200")), ("contentType", .number("1"))])
    func wrongResponseTypesAreRefused(_ name: String, _ value: JSONValue) {
        let reason = reason(document(replacingResponse: name, with: value))
        #expect(reason?.contains(name) == true, "\(reason ?? "accepted")")
    }

    @Test func aNewerFormatIsRefusedNotMisread() {
        do {
            _ = try Cassette(json: document(replacing: "format", with: .number("3")))
            Issue.record("a format-3 cassette was accepted")
        } catch {
            guard case .newerFormat(_, let format) = error else { Issue.record("unexpected \(error)"); return }
            #expect(format == 3)
            #expect(error.isNewerFormat)
        }
        #expect(self.reason(document(replacing: "format", with: .number("0")))?.contains("unknown format 0") == true)
    }

    @Test(arguments: [String(repeating: "A", count: 64), String(repeating: "a", count: 63), "", "g" + String(repeating: "a", count: 63)])
    func aKeyMustBe64LowercaseHexDigits(_ key: String) {
        #expect(reason(document(replacing: "key", with: .string(key)))?.contains("\"key\"") == true)
    }

    @Test func unknownOperationsAndNonObjectsAreRefused() {
        #expect(reason(document(replacing: "operation", with: .string("invoke-model"))) == "unknown operation \"invoke-model\"")
        for value in [JSONValue.null, .array([]), .string("cassette"), .number("1")] {
            #expect(reason(value) == "a cassette must be a JSON object")
        }
    }

    @Test func unknownMembersAreIgnored() throws {
        let extended = document(replacing: "comment", with: .string("added by hand"))
        #expect(try Cassette(json: extended) == CassetteFixtures.cassette())
    }
    /// An InvokeModel cassette with everything format 2 adds.
    private func invoke(_ content: RecordedContent, requestBytes: [UInt8]? = nil) throws -> Cassette {
        var cassette = try small()
        cassette.operation = .invokeModel
        cassette.modelId = "amazon.titan-embed-text-v2:0"
        cassette.request = requestBytes == nil ? .object([JSONMember("inputText", .string("hello"))]) : .object([])
        cassette.requestBytes = requestBytes
        cassette.requestHeaders = [HeaderPair("content-type", "application/json"), HeaderPair("accept", "*/*")]
        cassette.response = RecordedResponse(
            status: 200, contentType: "application/json", content: content,
            headers: [HeaderPair("x-amzn-bedrock-input-token-count", "2"), HeaderPair("x-amzn-bedrock-invocation-latency", "41")])
        return cassette
    }

    @Test func converseCassettesStayFormatOneAndTheOthersAreFormatTwo() throws {
        #expect(try small().format == 1)
        #expect(try small().jsonValue["format"] == .number("1"))
        let document = try invoke(.body(.object([JSONMember("embedding", .array([.number("0.5")]))])))
        #expect(document.format == 2)
        #expect(document.jsonValue["format"] == .number("2"))
    }

    @Test func formatTwoRoundTripsHeadersBytesAndChunks() throws {
        let chunk = StreamEvent(type: "chunk", payload: .object([JSONMember("event", .object([JSONMember("type", .string("message_stop"))]))]), offsetMs: 3)
        for cassette in [
            try invoke(.body(.object([JSONMember("embedding", .array([.number("0.5")]))]))),
            try invoke(.bytes([0, 1, 2, 0xFF, 0x7B])),
            try invoke(.events([chunk])),
            try invoke(.bytes(Array("not json".utf8)), requestBytes: [0xDE, 0xAD, 0xBE, 0xEF]),
        ] {
            let read = try Cassette(json: JSONParser.parse(cassette.encoded()))
            #expect(read == cassette)
            #expect(read.keyedRequest == cassette.keyedRequest)
            #expect(try read.keyedRequest.key() == cassette.keyedRequest.key())
        }
        let bytes = try invoke(.bytes([0, 1, 2, 0xFF]), requestBytes: [9, 9]).jsonValue
        #expect(bytes["requestBytes"] == .string("CQk="))
        #expect(bytes["request"] == nil)
        #expect(bytes["response"]?["bodyBytes"] == .string("AAEC/w=="))
        let text = try invoke(.bytes(Array("{\"b\": 1, \"a\": 2}".utf8))).jsonValue
        #expect(text["response"]?["bodyText"] == .string("{\"b\": 1, \"a\": 2}"), "UTF-8 bytes are kept as text, exactly")
    }

    @Test func requestHeadersReadBackInKeyOrderWhateverTheFileOrder() throws {
        let cassette = try invoke(.body(.object([])))
        var document = cassette.jsonValue
        document = document.setting(["requestHeaders"], to: .object([
            JSONMember("accept", .string("*/*")), JSONMember("content-type", .string("application/json")),
        ]))
        #expect(try Cassette(json: document).requestHeaders == cassette.requestHeaders)
        let stray = document.setting(["requestHeaders", "user-agent"], to: .string("x"))
        #expect(reason(stray)?.contains("user-agent") == true)
    }

    @Test func aResponseHoldsExactlyOneOfBodyBodyBytesAndEvents() throws {
        let both = document(replacingResponse: "bodyBytes", with: .string("AAEC"))
        #expect(reason(both)?.contains("more than one") == true)
        #expect(reason(document(replacingResponse: "bodyBytes", with: .string("not base64!")))?.contains("more than one") == true)
        let onlyBytes = document(replacingResponse: "body", with: nil).setting(["response", "bodyBytes"], to: .string("%%%"))
        #expect(reason(onlyBytes)?.contains("not base64") == true)
        let both2 = document(replacing: "requestBytes", with: .string("AAEC"))
        #expect(reason(both2)?.contains("exactly one of") == true)
    }

    @Test func aDocumentIsKeptAsJSONOnlyWhenJSONGivesBackItsExactBytes() {
        #expect(RecordedContent.document(Array(#"{"a":[1,2.50]}"#.utf8)) == .body(.object([JSONMember("a", .array([.number("1"), .number("2.50")]))])))
        for text in [#"{"a": 1}"#, #"{"b":1,"a":2}"#, "{\"a\":\"\\u00e9\"}", "[1,2]x", "plain text", ""] {
            #expect(RecordedContent.document(Array(text.utf8)) == .bytes(Array(text.utf8)), "\(text)")
        }
    }
}

@Suite struct CassetteRepeatTests {
    @Test func aRepeatIndexRoundTripsAndTheFirstAnswerHasNone() throws {
        var cassette = CassetteFixtures.cassette()
        #expect(!String(decoding: cassette.encoded(), as: UTF8.self).contains("\"repeat\""))
        cassette.repeatIndex = 2
        cassette.key = cassette.key.repeated(2)
        let loaded = try Cassette(json: try JSONParser.parse(cassette.encoded()))
        #expect(loaded.repeatIndex == 2)
        #expect(loaded.key == cassette.key)
        #expect(CassetteFixtures.cassette().key.repeated(0) == CassetteFixtures.cassette().key)
        #expect(CassetteFixtures.cassette().key.repeated(1) != CassetteFixtures.cassette().key.repeated(2))
    }

}
