import Testing
@testable import TapedeckUpstream

@Suite struct CurlErrorTests {
    @Test(arguments: [
        ("http://user:secret@127.0.0.1:1/x", "http://127.0.0.1:1/x"),
        ("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse?X-Amz-Signature=abc#frag",
         "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"),
        ("http://key@host:8080", "http://host:8080"),
        ("http://a:b@c@host/p?q=1", "http://host/p"),
        ("http://host/path@with-at", "http://host/path@with-at"),
        ("host:80/x?token=1", "host:80/x"),
    ])
    func redactionDropsUserinfoQueryAndFragment(url: String, expected: String) {
        #expect(CurlError.redact(url) == expected)
    }

    @Test func descriptionNamesURLCauseAndCodeButNoCredential() {
        let error = CurlError(code: .couldNotConnect,
                              message: "Failed to connect to user:secret@127.0.0.1 port 1: Connection refused",
                              url: "http://user:secret@127.0.0.1:1/x?token=t0k3n")
        #expect(error.url == "http://127.0.0.1:1/x")
        #expect(error.description.contains("http://127.0.0.1:1/x"))
        #expect(error.description.contains("Couldn't connect to server"))
        #expect(error.description.contains("CURLcode 7"))
        #expect(!error.description.contains("secret"))
        #expect(!error.description.contains("t0k3n"))
    }

    @Test func messageEqualToTheCodeTextIsNotRepeated() {
        let error = CurlError(code: .operationTimedOut, message: "Timeout was reached", url: "http://h/x")
        #expect(error.description == "upstream http://h/x: Timeout was reached (CURLcode 28)")
    }

    @Test func codesMatchWithThePatternOperator() {
        let error = CurlError(code: .operationTimedOut, message: "", url: "http://h/")
        #expect(CurlError.Code.operationTimedOut ~= error)
        #expect(!(CurlError.Code.couldNotConnect ~= error))
        #expect(CurlError.Code(rawValue: 28) == .operationTimedOut)
        #expect(CurlError.Code.couldNotConnect.description == "Couldn't connect to server")
    }

    @Test func libcurlIsInitializedOnce() {
        Curl.initialize()
        Curl.initialize()
        #expect(Curl.version.hasPrefix("libcurl/"))
    }
}
