import Testing
@testable import TapedeckUpstream

@Suite struct SigV4URLTests {
    @Test func splitsABedrockURLWithoutDecodingIt() {
        let url = SigV4URL("https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Ax%2Fy/converse")
        #expect(url.scheme == "https")
        #expect(url.host == "bedrock-runtime.us-east-1.amazonaws.com")
        #expect(url.path == "/model/arn%3Aaws%3Ax%2Fy/converse")
        #expect(url.query == "")
    }

    @Test func theHostIsLowerCasedAndKeepsOnlyANonDefaultPort() {
        #expect(SigV4URL("https://Example.AmazonAWS.com:443/").host == "example.amazonaws.com")
        #expect(SigV4URL("http://example.com:80/").host == "example.com")
        #expect(SigV4URL("https://example.com:80/").host == "example.com:80")
        #expect(SigV4URL("http://127.0.0.1:4000/model/m/converse").host == "127.0.0.1:4000")
        #expect(SigV4URL("HTTPS://example.com:8443").host == "example.com:8443")
    }

    @Test func userinfoIsNeverPartOfTheHost() {
        #expect(SigV4URL("https://user:pass@example.com/").host == "example.com")
    }

    @Test func ipv6LiteralsKeepTheirBrackets() {
        #expect(SigV4URL("http://[::1]:8080/x").host == "[::1]:8080")
        #expect(SigV4URL("https://[2001:DB8::1]/x").host == "[2001:db8::1]")
    }

    @Test func queryAndFragment() {
        let url = SigV4URL("https://example.com/a/b?x=1&y=2#top")
        #expect(url.path == "/a/b")
        #expect(url.query == "x=1&y=2")
        #expect(SigV4URL("https://example.com?x=1").path == "/")
        #expect(SigV4URL("https://example.com?x=1").query == "x=1")
        #expect(SigV4URL("https://example.com/#a?b").query == "")
    }

    @Test func anEmptyPathIsTheRoot() {
        #expect(SigV4URL("https://example.com").path == "/")
        #expect(SigV4URL("https://example.com").host == "example.com")
    }

    @Test func aURLWithoutASchemeStillYieldsHostAndPath() {
        let url = SigV4URL("example.com:8080/x")
        #expect(url.scheme == "")
        #expect(url.host == "example.com:8080")
        #expect(url.path == "/x")
    }
}
