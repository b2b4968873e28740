import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct CacheKeyTests {
    private let model = "us.anthropic.claude-3-5-haiku-20241022-v1:0"

    private func key(_ document: String, model: String? = nil, ignoring: [String] = []) throws -> CacheKey {
        try CacheKey.derive(modelId: model ?? self.model, body: ConverseFixtures.parse(document), ignoring: ignoring)
    }

    /// The boto3 request with one textual substitution, which must exist.
    private func edited(_ old: String, _ new: String) -> String {
        #expect(ConverseFixtures.boto3Request.contains(old), "fixture lacks \(old)")
        return ConverseFixtures.boto3Request.replacingOccurrences(of: old, with: new)
    }

    @Test func pinsAKnownAnswer() throws {
        // sha256("tapedeck-key-v1\n" + model + "\n" + canonical body), computed independently with Python's hashlib.
        let body = #"{"requestMetadata": {"x": "y"}, "messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"maxTokens": 64, "temperature": 0.5}}"#
        let derived = try key(body)
        #expect(derived.hex == "03c15258d3009895e345f439d2b2e6010c269b1fd35e76dd5938db3e2318cf25")
        #expect(derived.prefix == "03c15258d300")
        #expect(derived.description == derived.hex)
    }

    @Test func ignoresOrderWhitespaceEscapesNumberSpellingsAndMetadata() throws {
        // The reordered fixture differs in key order, whitespace, \u00e9 vs raw é, 0.7 vs 7e-1, 512 vs 5.12E2,
        // 250 vs 250.0, -0 vs 0 and requestMetadata contents.
        #expect(try key(ConverseFixtures.boto3Request) == key(ConverseFixtures.reorderedRequest))
        #expect(try key(#"{"a":1}"#) == key(#"{ "a" : 1.0 }"#))
        #expect(try key(#"{"t":0.7}"#) == key(#"{"t":0.70}"#))
        #expect(try key(#"{"t":"\u00e9"}"#) == key(#"{"t":"é"}"#))
    }

    @Test func requestMetadataNeverCounts() throws {
        let base = try key(ConverseFixtures.boto3Request)
        #expect(try key(edited(#""run": "42""#, #""run": "99", "user": "x""#)) == base)
        #expect(try key(edited(#", "requestMetadata": {"team": "search", "run": "42"}"#, "")) == base)
    }

    @Test(arguments: [
        ("describe this image", "describe that image"),
        ("You are terse.", "You are verbose."),
        (#""temperature": 0.7"#, #""temperature": 0.71"#),
        (#""name": "get_weather", "description""#, #""name": "get_forecast", "description""#),
        ("Weather for a city", "Weather for a town"),
        ("WjR9awAAAABJRU5ErkJggg==", "WjR9awAAAABJRU5ErkJggh=="),
        (#""type": "priority""#, #""type": "default""#),
        (#""top_k": 250"#, #""top_k": 251"#),
        (#""maxTokens": 512"#, #""maxTokens": 512, "extra": null"#),
    ])
    func anyMeaningfulChangeChangesTheKey(_ old: String, _ new: String) throws {
        #expect(try key(ConverseFixtures.boto3Request) != key(edited(old, new)))
    }

    @Test func modelIdIsPartOfTheKey() throws {
        let body = ConverseFixtures.boto3Request
        #expect(try key(body) != key(body, model: "us.anthropic.claude-3-5-haiku-20241022-v2:0"))
        #expect(try key(body, model: "a") != key(body, model: "a "))
    }

    @Test func configuredIgnoresDropFields() throws {
        let priority = ConverseFixtures.boto3Request
        let standard = edited(#""serviceTier": {"type": "priority"}"#, #""serviceTier": {"type": "default"}"#)
        #expect(try key(priority) != key(standard))
        #expect(try key(priority, ignoring: ["serviceTier"]) == key(standard, ignoring: ["serviceTier"]))
        let warmer = edited(#""temperature": 0.7"#, #""temperature": 1"#)
        #expect(try key(priority, ignoring: ["inferenceConfig.temperature"])
            == key(warmer, ignoring: ["inferenceConfig.temperature"]))
        #expect(try key(priority, ignoring: ["no.such.path"]) == key(priority))
    }

    @Test func refusesBodiesThatCannotBeCanonical() {
        #expect(throws: JSONError.self) {
            try CacheKey.derive(modelId: model, body: .object([JSONMember("t", .number("NaN"))]))
        }
    }

    @Test func validatesHexOnConstruction() throws {
        let hex = String(repeating: "0123456789abcdef", count: 4)
        #expect(CacheKey(hex: hex)?.hex == hex)
        #expect(CacheKey(hex: hex.uppercased()) == nil)
        #expect(CacheKey(hex: String(hex.dropLast())) == nil)
        #expect(CacheKey(hex: hex + "0") == nil)
        #expect(CacheKey(hex: String(hex.dropLast()) + "g") == nil)
        let derived = try key(ConverseFixtures.boto3Request)
        #expect(CacheKey(hex: derived.hex) == derived)
        #expect(Set([derived, derived]).count == 1)
    }

    /// Keys hash by their first 16 hex digits but compare whole: two keys alike up to there are still two keys.
    @Test func keysAlikeInTheirFirstDigitsStayApartInADictionary() throws {
        let common = String(repeating: "0123456789abcdef", count: 3)
        let first = try #require(CacheKey(hex: common + String(repeating: "a", count: 16)))
        let second = try #require(CacheKey(hex: common + String(repeating: "b", count: 16)))
        let again = try #require(CacheKey(hex: common + String(repeating: "a", count: 16)))
        #expect(first != second && first == again && first.hashValue == again.hashValue)
        var counts: [CacheKey: Int] = [:]
        for key in [first, second, again, second, second] { counts[key, default: 0] += 1 }
        #expect(counts == [first: 2, second: 3])
        let spread = Set((0..<256).compactMap { CacheKey(hex: String(0x100 + $0, radix: 16).dropFirst() + String(repeating: "0", count: 62))?.hashValue })
        #expect(spread.count == 256)
    }
}
