import Testing
@testable import TapedeckHTTP

@Suite struct QueryStringTests {
    @Test func pairsAreDecodedInOrder() throws {
        let query = try QueryString(target: "/x?q=caf%C3%A9+au+lait&model=us.anthropic.claude%3Av1&namespace=&flag&q=second")
        #expect(query["q"] == "café au lait", "the first of duplicates wins")
        #expect(query["model"] == "us.anthropic.claude:v1")
        #expect(query["namespace"] == "", "present but empty is not absent")
        #expect(query["flag"] == "")
        #expect(query["missing"] == nil)
        #expect(query.pairs.count == 5)
        #expect(try QueryString(target: "/x").pairs.isEmpty)
        #expect(try QueryString(target: "/x?").pairs.isEmpty)
        #expect(try QueryString(target: "/x?a=1=2")["a"] == "1=2")
    }

    @Test(arguments: ["/x?q=%", "/x?q=%4", "/x?q=%zz", "/x?q=%FF", "/x?q=%C3"])
    func badEncodingIsRefused(_ target: String) {
        #expect(throws: QueryString.Invalid.self) { try QueryString(target: target) }
    }
}
