import Testing
import TapedeckHTTP

/// Headers are an ordered list with case-insensitive lookup, duplicates kept (RFC 9110 §5.1, §5.3).
@Suite struct HTTPHeadersTests {
    static let sample = HTTPHeaders([
        ("Host", "127.0.0.1:4000"), ("X-Dup", "1"), ("authorization", "AWS4-HMAC-SHA256 …"),
        ("Content-Type", "application/json"), ("x-dup", "2"), ("X-AMZ-DATE", "20240101T000000Z"),
    ])

    @Test func lookupIgnoresCaseAndKeepsEveryDuplicateInOrder() {
        #expect(Self.sample["x-amz-date"] == "20240101T000000Z")
        #expect(Self.sample["X-DUP"] == "1", "the first of duplicates")
        #expect(Self.sample.values("X-Dup") == ["1", "2"])
        #expect(Self.sample["Accept"] == nil)
        #expect(Self.sample.values("Accept").isEmpty)
    }

    @Test func removingNamesDropsEveryCaseOfThemAndKeepsTheRestInOrder() {
        let kept = Self.sample.removing(names: ["authorization", "x-amz-date", "host"])
        #expect(kept.fields == [HTTPField("X-Dup", "1"), HTTPField("Content-Type", "application/json"), HTTPField("x-dup", "2")])
        #expect(Self.sample.removing(names: []) == Self.sample)
        #expect(Self.sample.removing(names: ["x-dup"]).values("X-Dup").isEmpty, "duplicates go too")
    }

    @Test func aTokenIsFoundInAnyFieldOfItsNameWhateverTheSpacingAndCase() {
        let headers = HTTPHeaders([("Connection", " Upgrade ,\tKeep-Alive\t"), ("connection", "CLOSE"), ("X-Other", "close")])
        #expect(headers.hasToken("keep-alive", in: "Connection"))
        #expect(headers.hasToken("upgrade", in: "connection"))
        #expect(headers.hasToken("close", in: "Connection"))
        #expect(!headers.hasToken("keep", in: "Connection"))
        #expect(!headers.hasToken("alive", in: "Connection"))
        #expect(!HTTPHeaders([("Connection", "")]).hasToken("close", in: "Connection"))
        #expect(!HTTPHeaders([("Connection", ",,")]).hasToken("close", in: "Connection"))
        #expect(!HTTPHeaders([("X-Other", "close")]).hasToken("close", in: "Connection"))
    }
}
