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

    @Test func parsedFieldsAreReadInPlaceAndEqualTheSameFieldsBuiltFromStrings() throws {
        let head = Array("POST /x HTTP/1.1\r\nHost: h:1\r\ncontent-length:  3 \r\nX-Dup: a\r\nx-dup:\tb\r\n\r\nabc".utf8)
        var parser = RequestParser()
        let (_, event) = try head.withUnsafeBufferPointer { pointer throws(HTTPError) in try parser.parse(pointer) }
        guard case .head(let parsed) = event else { Issue.record("no head"); return }
        let headers = parsed.headers
        #expect(headers == HTTPHeaders([("Host", "h:1"), ("content-length", "3"), ("X-Dup", "a"), ("x-dup", "b")]))
        #expect(headers != HTTPHeaders([("Host", "h:1"), ("content-length", "3"), ("X-Dup", "a"), ("x-dup", "B")]))
        #expect(headers.withValue("CONTENT-LENGTH") { Array($0) } == Array("3".utf8))
        #expect(headers.withValue("Accept") { _ in true } == nil)
        #expect(headers.count(of: "x-DUP") == 2 && headers.contains("host") && !headers.contains("Hos"))
        var seen: [String] = []
        headers.forEachValue("X-Dup") { seen.append(String(decoding: $0, as: UTF8.self)) }
        #expect(seen == ["a", "b"])
        var names: [String] = []
        headers.forEachField { name, _ in names.append(String(decoding: name, as: UTF8.self)) }
        #expect(names == ["Host", "content-length", "X-Dup", "x-dup"])
        var changed = headers
        changed.set("x-dup", "c")
        changed.add("New", "1")
        #expect(changed.fields == [HTTPField("Host", "h:1"), HTTPField("content-length", "3"), HTTPField("x-dup", "c"), HTTPField("New", "1")])
        #expect(headers.values("x-dup") == ["a", "b"], "a copy changes alone")
    }
}

