import TapedeckCodec
import TapedeckHTTP
/// Error answers in the shape Bedrock uses and botocore reads: a status, `x-amzn-ErrorType`, `{"message": …}`.
public enum BedrockError {
    /// An error response; `type` becomes the botocore exception name.
    public static func response(status: Int, type: String, message: String, extraHeaders: [(String, String)] = []) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("x-amzn-ErrorType", type)])
        for (name, value) in extraHeaders { headers.add(name, value) }
        let body = JSONWriter.compact(.object([JSONMember("message", .string(message))]))
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// The exception name Bedrock uses for an HTTP status the server itself produces.
    public static func typeName(forStatus status: Int) -> String {
        switch status {
        case 400, 413, 431, 501, 505: return "ValidationException"
        case 403: return "AccessDeniedException"
        case 404: return "ResourceNotFoundException"
        case 408: return "ModelTimeoutException"
        case 429: return "ThrottlingException"
        case 503: return "ServiceUnavailableException"
        default: return "InternalServerException"
        }
    }

    /// How the HTTP layer answers requests it could not read.
    public static let forHTTPError: @Sendable (HTTPError) -> HTTPResponse = { error in
        response(status: error.status, type: typeName(forStatus: error.status), message: error.message)
    }
}
