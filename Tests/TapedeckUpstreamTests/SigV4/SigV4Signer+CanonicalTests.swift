import Testing
import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckUpstream

@Suite struct SigV4CanonicalTests {
    @Test func doubleEncodingEncodesTheWirePathOnceMore() {
        #expect(SigV4Signer.canonicalURI("/model/arn%3Aaws%3Ax%2Fy/converse", doubleEncode: true)
            == "/model/arn%253Aaws%253Ax%252Fy/converse")
        #expect(SigV4Signer.canonicalURI("/model/us.amazon.nova-lite-v1:0/converse", doubleEncode: true)
            == "/model/us.amazon.nova-lite-v1%3A0/converse")
        #expect(SigV4Signer.canonicalURI("/", doubleEncode: true) == "/")
        #expect(SigV4Signer.canonicalURI("/a b/~c", doubleEncode: true) == "/a%20b/~c")
    }

    @Test func singleEncodingDecodesEachSegmentAndEncodesItOnce() {
        #expect(SigV4Signer.canonicalURI("/model/arn%3aaws%3Ax%2Fy/converse", doubleEncode: false)
            == "/model/arn%3Aaws%3Ax%2Fy/converse")
        #expect(SigV4Signer.canonicalURI("/model/us.amazon.nova-lite-v1:0/converse", doubleEncode: false)
            == "/model/us.amazon.nova-lite-v1%3A0/converse")
        #expect(SigV4Signer.canonicalURI("/%7Euser/100%", doubleEncode: false) == "/~user/100%25")
        #expect(SigV4Signer.canonicalURI("/a/./b/../", doubleEncode: false) == "/a/./b/../")
    }

    @Test func dotSegmentsAndEmptySegmentsAreRemovedAsBotocoreDoes() {
        #expect(SigV4Signer.removeDotSegments("/example/..") == "/")
        #expect(SigV4Signer.removeDotSegments("/example1/example2/../..") == "/")
        #expect(SigV4Signer.removeDotSegments("/./example") == "/example")
        #expect(SigV4Signer.removeDotSegments("//example//") == "/example/")
        #expect(SigV4Signer.removeDotSegments("/../a/./b/") == "/a/b/")
        #expect(SigV4Signer.removeDotSegments("/") == "/")
    }

    @Test func queryIsSortedByNameThenValueAndEncodedOnce() {
        #expect(SigV4Signer.canonicalQuery("") == "")
        #expect(SigV4Signer.canonicalQuery("Param1=value2&Param1=Value1") == "Param1=Value1&Param1=value2")
        #expect(SigV4Signer.canonicalQuery("b=2&a=1&a") == "a=&a=1&b=2")
        #expect(SigV4Signer.canonicalQuery("k=a%2fb%7E&x=a+b&y=a b") == "k=a%2Fb~&x=a%2Bb&y=a%20b")
        #expect(SigV4Signer.canonicalQuery("e=%zz&f=%") == "e=%25zz&f=%25")
        #expect(SigV4Signer.canonicalQuery("a=1&&b=2") == "a=1&b=2")
    }

    @Test func headersAreLowerCasedSortedAndJoined() {
        let (block, signed) = SigV4Signer.canonicalHeaders(HTTPHeaders([
            (name: "X-Amz-Date", value: "20150830T123600Z"), (name: "Host", value: "example.com"),
            (name: "My-Header", value: "b"), (name: "my-header", value: " a "),
        ]))
        #expect(block == "host:example.com\nmy-header:b,a\nx-amz-date:20150830T123600Z\n")
        #expect(signed == "host;my-header;x-amz-date")
    }

    @Test func trimAllCollapsesWhitespaceAsPythonSplitDoes() {
        #expect(SigV4Signer.trimAll("  \"a   b   c\"  ") == "\"a b c\"")
        #expect(SigV4Signer.trimAll("a\t\tb\r\n c") == "a b c")
        #expect(SigV4Signer.trimAll("a\u{00A0}\u{2003}b\u{1F}c") == "a b c")
        #expect(SigV4Signer.trimAll("   ") == "")
        #expect(SigV4Signer.trimAll("Grüße") == "Grüße")
    }

    @Test func uriEncodeKeepsOnlyTheUnreservedSet() {
        #expect(SigV4Signer.uriEncode("AZaz09-._~".utf8) == "AZaz09-._~")
        #expect(SigV4Signer.uriEncode("a b/c:d%e+f=".utf8) == "a%20b%2Fc%3Ad%25e%2Bf%3D")
        #expect(SigV4Signer.uriEncode("ሴ".utf8) == "%E1%88%B4")
        #expect(SigV4Signer.uriEncode("arn:aws:bedrock".utf8) == BedrockRoute.encodePathSegment("arn:aws:bedrock"))
    }

    @Test func percentDecodingKeepsMalformedEscapes() {
        #expect(SigV4Signer.percentDecoded("a%41%4a%zz%4".utf8) == Array("aAJ%zz%4".utf8))
        #expect(SigV4Signer.percentDecoded("%FF".utf8) == [0xFF])
    }
}
