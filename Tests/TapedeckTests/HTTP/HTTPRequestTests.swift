import Foundation
import Testing
@testable import Tapedeck

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

    /// A target that is not stored as contiguous UTF-8 (bridged through NSString) gives the same path.
    @Test func aNonContiguousTargetGivesTheSamePath() {
        let bridged = NSString(string: "/model/é/converse?x=1") as String
        #expect(String(HTTPRequestHead(method: "GET", target: bridged).path) == "/model/é/converse")
    }

    @Test func keepAliveFollowsTheVersionAndConnectionHeader() {
        var headers = HTTPHeaders()
        #expect(HTTPRequestHead(method: "GET", target: "/", minorVersion: 1, headers: headers).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", minorVersion: 0, headers: headers).keepAlive)
        headers.add("Connection", "close")
        #expect(!HTTPRequestHead(method: "GET", target: "/", minorVersion: 1, headers: headers).keepAlive)
    }
}
