import Testing
@testable import TapedeckCodec

@Suite struct JSONValueAccessTests {
    private let request: JSONValue = .object([
        JSONMember("modelId", .string("m")),
        JSONMember("inferenceConfig", .object([
            JSONMember("temperature", .number("0.7")),
            JSONMember("maxTokens", .number("512")),
        ])),
        JSONMember("serviceTier", .object([JSONMember("type", .string("priority"))])),
        JSONMember("messages", .array([.object([JSONMember("role", .string("user"))])])),
        JSONMember("flag", .bool(true)),
    ])

    @Test func readsMembersAndTypedValues() {
        #expect(request["modelId"]?.stringValue == "m")
        #expect(request["inferenceConfig"]?["maxTokens"]?.numberLiteral == "512")
        #expect(request["messages"]?.arrayValue?.count == 1)
        #expect(request["serviceTier"]?.objectValue?.first?.key == "type")
        #expect(request["flag"]?.boolValue == true)
        #expect(request["missing"] == nil)
        #expect(request["modelId"]?["x"] == nil)
        #expect(request["modelId"]?.arrayValue == nil)
        #expect(JSONValue.null.objectValue == nil)
    }

    @Test func subscriptMatchesExactCodePointsOnly() {
        let value = JSONValue.object([JSONMember("e\u{301}", .number("1")), JSONMember("\u{E9}", .number("2"))])
        #expect(value["\u{E9}"]?.numberLiteral == "2")
        #expect(value["e\u{301}"]?.numberLiteral == "1")
    }

    @Test func removesTopLevelAndNestedPaths() {
        let withoutTier = request.removing(path: "serviceTier")
        #expect(withoutTier["serviceTier"] == nil)
        #expect(withoutTier.objectValue?.count == 4)
        let withoutTemperature = request.removing(path: "inferenceConfig.temperature")
        #expect(withoutTemperature["inferenceConfig"]?["temperature"] == nil)
        #expect(withoutTemperature["inferenceConfig"]?["maxTokens"] == .number("512"))
        #expect(withoutTemperature.objectValue?.map(\.key) == request.objectValue?.map(\.key))
    }

    @Test func missingOrUnreachablePathsAreNoOps() {
        #expect(request.removing(path: "nope") == request)
        #expect(request.removing(path: "inferenceConfig.nope") == request)
        #expect(request.removing(path: "modelId.deeper") == request)
        #expect(request.removing(path: "messages.role") == request)
        #expect(request.removing(path: "") == request)
        #expect(request.removing(path: "inferenceConfig.") == request)
        #expect(JSONValue.array([]).removing(path: "a") == .array([]))
    }
}
