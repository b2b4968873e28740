import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckProxy
import TapedeckTestSupport

/// Errors in the shape botocore reads: status, `x-amzn-ErrorType`, `{"message": …}`.
@Suite struct BedrockErrorTests {
    @Test func aResponseCarriesTheTypeHeaderAndAMessageBody() throws {
        let response = BedrockError.throttling("slow down").response()
        #expect(response.status == 429)
        #expect(response.headers.fields == [HTTPField("Content-Type", "application/json"), HTTPField("x-amzn-ErrorType", "ThrottlingException")])
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":"slow down"}"#)
    }

    @Test func messagesWithQuotesControlCharactersAndNonASCIIStayValidJSON() throws {
        let message = "model \"x\" said:\n\tno \\ way — café \u{1}"
        let response = BedrockError.validation(message).response()
        #expect(try JSONParser.parse(response.body)["message"]?.stringValue == message)
    }

    @Test func extraHeadersFollowTheStandardOnes() {
        let response = BedrockError.serviceUnavailable("m").response(extraHeaders: [HTTPField("Retry-After", "1"), HTTPField("x-amzn-RequestId", "r")])
        #expect(response.headers.fields.map(\.name) == ["Content-Type", "x-amzn-ErrorType", "Retry-After", "x-amzn-RequestId"])
    }

    @Test(arguments: [
        (400, "ValidationException"), (403, "AccessDeniedException"), (404, "ResourceNotFoundException"),
        (408, "ModelTimeoutException"), (413, "ValidationException"), (429, "ThrottlingException"),
        (431, "ValidationException"), (500, "InternalServerException"), (501, "ValidationException"),
        (503, "ServiceUnavailableException"), (505, "ValidationException"),
    ])
    func eachStatusMapsToBedrocksExceptionName(_ status: Int, _ name: String) {
        let error = BedrockError(HTTPError(status: status, "m"))
        #expect(error.type == name)
        #expect(error.status == status)
    }

    @Test func aMethodNotAllowedListsWhatIsAllowed() {
        let response = BedrockError.methodNotAllowed("GET is not allowed on /x; use POST", allow: "POST").response()
        #expect(response.status == 405)
        #expect(response.headers["x-amzn-ErrorType"] == "UnknownOperationException")
        #expect(response.headers["Allow"] == "POST")
    }

    @Test func httpErrorsBecomeBedrockErrors() throws {
        let response = BedrockError.forHTTPError(HTTPError(status: 413, "body of 2000 bytes is over the 1024-byte limit"))
        #expect(response.status == 413)
        #expect(response.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(try JSONParser.parse(response.body)["message"]?.stringValue == "body of 2000 bytes is over the 1024-byte limit")
    }

    @Test func requestsTheServerCannotReadAreAnsweredInBedrocksShape() throws {
        let proxy = try ProxyHarness(limits: RequestParser.Limits(maxHeaderBytes: 1024))
        defer { proxy.stop() }

        let tooLarge = try RawClient(port: proxy.port)
        let headers = try tooLarge.exchange("POST", ProxyHarness.haikuPath, headers: [("X-Big", String(repeating: "b", count: 2000))])
        #expect(headers.status == 431)
        #expect(headers.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(try headers.json["message"]?.stringValue?.isEmpty == false)

        let garbage = try RawClient(port: proxy.port)
        try garbage.send("NOT HTTP\r\n\r\n")
        let bad = try #require(try garbage.readResponse())
        #expect(bad.status == 400)
        #expect(bad.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(bad.headers["Content-Type"] == "application/json")
        #expect(try bad.json["message"]?.stringValue?.isEmpty == false)
        #expect(proxy.origin.requests.isEmpty)
    }
}
