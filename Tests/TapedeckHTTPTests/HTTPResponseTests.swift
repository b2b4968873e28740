import Testing
@testable import TapedeckHTTP

/// A prebuilt response sends exactly the bytes a fresh serialization gives, and only where those are the bytes due.
@Suite struct HTTPResponseTests {
    private let response = HTTPResponse(
        status: 200, headers: HTTPHeaders([("Content-Type", "application/json"), ("x-tapedeck", "hit")]), body: Array(#"{"a":1}"#.utf8))

    private func bytes(_ response: HTTPResponse, keepAlive: Bool = true, announce: Bool = false, head: Bool = false) -> String {
        var out = Array("before|".utf8)
        response.serialize(into: &out, keepAlive: keepAlive, announceKeepAlive: announce, omitBody: head)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func prebuiltBytesAreTheFreshOnesInEveryCase() {
        var prebuilt = response
        prebuilt.prebuild()
        #expect(prebuilt.prebuiltSize > response.body.count)
        for (keepAlive, announce, head) in [(true, false, false), (false, false, false), (true, true, false), (true, false, true)] {
            #expect(bytes(prebuilt, keepAlive: keepAlive, announce: announce, head: head)
                == bytes(response, keepAlive: keepAlive, announce: announce, head: head))
        }
        #expect(bytes(prebuilt) == "before|HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-tapedeck: hit\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
    }

    @Test func aChangeAfterPrebuildingIsSentNotTheOldBytes() {
        var changed = response
        changed.prebuild()
        changed.headers.set("x-tapedeck", "miss")
        #expect(changed.prebuiltSize == 0 && bytes(changed).contains("x-tapedeck: miss"))
        changed.prebuild()
        changed.body = Array("{}".utf8)
        #expect(bytes(changed).hasSuffix("Content-Length: 2\r\n\r\n{}"))
        changed.prebuild()
        changed.status = 404
        #expect(bytes(changed).hasPrefix("before|HTTP/1.1 404 Not Found\r\n"))
    }
}
