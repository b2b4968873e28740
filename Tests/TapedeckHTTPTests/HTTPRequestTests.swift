import Foundation
import Testing
@testable import TapedeckHTTP

@Suite struct HTTPRequestTests {
    private func path(_ target: String) -> String { String(HTTPRequestHead(method: "GET", target: target).path) }

    /// The path is the target up to its first `?`, found as a byte; what comes before it is kept whole, however
    /// it is spelled.
    @Test func thePathEndsAtTheFirstQuestionMark() {
        #expect(path("/model/m/converse") == "/model/m/converse")
        #expect(path("/model/m/converse?a=b?c") == "/model/m/converse")
        #expect(path("?only=query") == "")
        #expect(path("") == "")
        #expect(path("/é/ü?x") == "/é/ü")
        #expect(path("/e\u{301}?x") == "/e\u{301}", "a combining mark right before the ? stays with its letter")
    }

    /// A target made through NSString (lazily bridged, not native UTF-8, on Darwin) gives the same path.
    @Test func aTargetMadeThroughNSStringGivesTheSamePath() {
        let bridged = NSString(string: "/model/é/converse?x=1") as String
        #expect(String(HTTPRequestHead(method: "GET", target: bridged).path) == "/model/é/converse")
    }

    /// The query is what follows the first `?`, empty when the target ends there, nil without one; a long target
    /// (stored out of line) splits as a short one does.
    @Test func theQueryFollowsTheFirstQuestionMark() {
        #expect(HTTPRequestHead.split("/a?b=c?d").query == "b=c?d")
        #expect(HTTPRequestHead.split("/a?").query == "")
        #expect(HTTPRequestHead.split("/a").query == nil)
        let long = "/model/" + String(repeating: "ü", count: 200)
        #expect(HTTPRequestHead.split(long + "?x=1") == (path: Substring(long), query: Substring("x=1")))
    }

    @Test func keepAliveFollowsTheVersionAndConnectionHeader() {
        var headers = HTTPHeaders()
        #expect(HTTPRequestHead(method: "GET", target: "/", minorVersion: 1, headers: headers).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", minorVersion: 0, headers: headers).keepAlive)
        headers.add("Connection", "close")
        #expect(!HTTPRequestHead(method: "GET", target: "/", minorVersion: 1, headers: headers).keepAlive)
    }
}
