import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock

@Suite struct NearestIndexTests {
    private static func message(_ role: String, _ text: String) -> JSONValue {
        .object([
            JSONMember("role", .string(role)),
            JSONMember("content", .array([.object([JSONMember("text", .string(text))])])),
        ])
    }

    /// Request `number` of a generated corpus: 500 opening questions, each continued ten different ways.
    static func generated(_ number: Int, followUp: String? = nil, opening: String? = nil) -> JSONValue {
        let topic = number % 500
        return .object([
            JSONMember("messages", .array([
                message("user", opening ?? "Question about topic \(topic): what should I know?"),
                message("assistant", "Here is what matters about topic \(topic)."),
                message("user", followUp ?? "Follow-up number \(number), please expand."),
            ])),
            JSONMember("inferenceConfig", .object([JSONMember("maxTokens", .number("\(256 + topic)"))])),
        ])
    }

    private static func corpus(_ count: Int = 5_000) -> NearestIndex {
        let index = NearestIndex()
        for number in 0..<count {
            index.insert(key: "k\(number)", model: "m", namespace: "ns", request: generated(number))
        }
        return index
    }

    @Test func picksTheNearestAmongFiveThousandScoringOnlyItsBucket() {
        let index = Self.corpus()
        #expect(index.count == 5_000)
        let asked = Self.generated(1_234, followUp: "Follow-up number 1234, please expand on the risks.")
        let before = index.scoredCandidates
        let found = index.nearest(model: "m", namespace: "ns", request: asked)
        #expect(found?.key == "k1234")
        #expect(found?.request == Self.generated(1_234))
        // Topic 234 was opened by requests 234, 734, …, 4734: ten of them share the bucket.
        #expect(index.scoredCandidates - before == 10)
    }

    @Test func fallsBackToTheMostRecentOfTheGroupWhenTheBucketIsEmpty() {
        let index = Self.corpus()
        let asked = Self.generated(4_990, opening: "Question about topic 490: what should I know? (edited)")
        let before = index.scoredCandidates
        #expect(index.nearest(model: "m", namespace: "ns", request: asked)?.key == "k4990")
        #expect(index.scoredCandidates - before == NearestIndex.candidateLimit)
    }

    @Test func aCrowdedBucketIsCappedToItsMostRecent() {
        let index = NearestIndex()
        for number in 0..<1_000 {
            let request = Self.generated(0, followUp: "Variation \(number)")
            index.insert(key: "k\(number)", model: "m", namespace: "ns", request: request)
        }
        let before = index.scoredCandidates
        let found = index.nearest(model: "m", namespace: "ns", request: Self.generated(0, followUp: "Variation 9999"))
        #expect(index.scoredCandidates - before <= NearestIndex.candidateLimit)
        #expect(found?.key == "k999")
    }

    @Test func looksOnlyInTheSameModelAndNamespace() {
        let index = NearestIndex()
        let request = Self.generated(1)
        index.insert(key: "a", model: "m1", namespace: "ns", request: request)
        index.insert(key: "b", model: "m2", namespace: "ns", request: request)
        index.insert(key: "c", model: "m1", namespace: "other", request: request)
        #expect(index.nearest(model: "m1", namespace: "ns", request: request)?.key == "a")
        #expect(index.nearest(model: "m2", namespace: "ns", request: request)?.key == "b")
        #expect(index.nearest(model: "m1", namespace: "other", request: request)?.key == "c")
        #expect(index.nearest(model: "m3", namespace: "ns", request: request) == nil)
    }

    @Test func theSameKeyRecordedInTwoNamespacesIsNearestInBoth() {
        // Two tests that ask the same question record the same key, each in its own namespace.
        let index = NearestIndex()
        let recorded = Self.generated(7)
        index.insert(key: "k7", model: "m", namespace: "test_one", request: recorded)
        index.insert(key: "k7", model: "m", namespace: "test_two", request: recorded)
        let asked = Self.generated(7, followUp: "Something else entirely.")
        #expect(index.nearest(model: "m", namespace: "test_one", request: asked)?.key == "k7")
        #expect(index.nearest(model: "m", namespace: "test_two", request: asked)?.key == "k7")
        #expect(index.count == 2)
        index.remove(key: "k7", namespace: "test_one")
        #expect(index.nearest(model: "m", namespace: "test_one", request: asked) == nil)
        #expect(index.nearest(model: "m", namespace: "test_two", request: asked)?.key == "k7")
    }

    @Test func removeAndReinsert() {
        let index = Self.corpus(1_000)
        let asked = Self.generated(123, followUp: "Follow-up number 123, please expand a lot.")
        #expect(index.nearest(model: "m", namespace: "ns", request: asked)?.key == "k123")
        index.remove(key: "k123", namespace: "ns")
        #expect(index.count == 999)
        let next = index.nearest(model: "m", namespace: "ns", request: asked)?.key
        #expect(next != nil && next != "k123")
        index.insert(key: "k123", model: "m", namespace: "ns", request: Self.generated(123))
        index.insert(key: "k123", model: "m", namespace: "ns", request: Self.generated(123))
        #expect(index.count == 1_000)
        #expect(index.nearest(model: "m", namespace: "ns", request: asked)?.key == "k123")
        for number in 0..<1_000 { index.remove(key: "k\(number)", namespace: "ns") }
        #expect(index.count == 0)
        #expect(index.nearest(model: "m", namespace: "ns", request: asked) == nil)
    }

    @Test func tiesGoToTheMostRecent() {
        let index = NearestIndex()
        let request = Self.generated(7)
        index.insert(key: "old", model: "m", namespace: "ns", request: request)
        index.insert(key: "new", model: "m", namespace: "ns", request: request)
        #expect(index.nearest(model: "m", namespace: "ns", request: request)?.key == "new")
    }

    /// A request carrying one picture: `blob` as the image bytes, then a line of text.
    private static func picture(_ blob: String, _ text: String) -> JSONValue {
        .object([JSONMember("messages", .array([.object([
            JSONMember("role", .string("user")),
            JSONMember("content", .array([
                .object([JSONMember("image", .object([
                    JSONMember("format", .string("png")),
                    JSONMember("source", .object([JSONMember("bytes", .string(blob))])),
                ]))]),
                .object([JSONMember("text", .string(text))]),
            ])),
        ])]))])
    }

    @Test func longStringsAreKeptCondensedYetStillTellRequestsApart() {
        // Twenty 1 MiB "images" alike but for their last characters, so only a digest of the whole string tells
        // them apart; as the soak found, the index used to keep every one whole for the server's life.
        let index = NearestIndex()
        let common = String(repeating: "iVBORw0KGgoAAAANSUhEUgAA", count: 1 << 16)
        let blobs = (0..<20).map { common + "tail\($0)==" }
        for (number, blob) in blobs.enumerated() {
            index.insert(key: "k\(number)", model: "m", namespace: "ns", request: Self.picture(blob, "What is in this picture?"))
        }
        #expect(index.storedBytes < 20 * 2_048, "index holds \(index.storedBytes) bytes for 20 requests")
        let found = index.nearest(model: "m", namespace: "ns", request: Self.picture(blobs[7], "What is in this picture?"))
        #expect(found?.key == "k7", "the same picture, not just the most recent one of the same length")
        let kept = found?.request["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["image"]?["source"]?["bytes"]?.stringValue
        #expect(kept?.hasPrefix(String(common.prefix(NearestIndex.condensedPrefix)) + "…[+") == true)
        #expect((kept?.utf8.count ?? .max) < 400)
        // Short strings are kept as they were.
        let short = Self.picture("aGVsbG8=", "Hi")
        index.insert(key: "short", model: "m", namespace: "ns", request: short)
        #expect(index.nearest(model: "m", namespace: "ns", request: short)?.request == short)
    }
}
