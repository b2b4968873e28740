import TapedeckCodec
import TapedeckHTTP

/// Every error Tapedeck answers with, one case per exception type, in the shape Bedrock uses and botocore reads:
/// a status, `x-amzn-ErrorType`, `{"message": …}`. The case decides the status and the type; the message says why.
public enum BedrockError: Error, Sendable, Equatable {
    /// 400 (or the HTTP layer's 413, 431, 501, 505): the request is malformed or over a limit.
    case validation(String, status: Int = 400)
    /// 403: `--auth-token` refused the request.
    case accessDenied(String)
    /// 404: no such thing (a cassette the browser asks for, a path the HTTP layer cannot route).
    case resourceNotFound(String)
    /// 404 with Tapedeck's own type: replay found no cassette for the request.
    case cassetteNotFound(String)
    /// 404: no operation at this path.
    case unknownOperation(String)
    /// 405: the path exists but not for this method; `allow` lists the methods it takes (RFC 9110 §15.5.6).
    case methodNotAllowed(String, allow: String)
    /// 408: the request did not arrive in time.
    case modelTimeout(String)
    /// 429: too many requests.
    case throttling(String)
    /// 500: Tapedeck could not do what the request needs (an unreadable cassette, a store that cannot list).
    case internalServer(String)
    /// 501: an operation Tapedeck cannot carry (InvokeModelWithBidirectionalStream needs HTTP/2).
    case notImplemented(String)
    /// 502: upstream could not be reached or its answer could not be read.
    case badGateway(String)
    /// 503: the server is shutting down or out of capacity.
    case serviceUnavailable(String)

    /// The HTTP status.
    public var status: Int {
        switch self {
        case .validation(_, let status): return status
        case .accessDenied: return 403
        case .resourceNotFound, .cassetteNotFound, .unknownOperation: return 404
        case .methodNotAllowed: return 405
        case .modelTimeout: return 408
        case .throttling: return 429
        case .internalServer: return 500
        case .notImplemented: return 501
        case .badGateway: return 502
        case .serviceUnavailable: return 503
        }
    }

    /// The exception name botocore raises (`x-amzn-ErrorType`).
    public var type: String {
        switch self {
        case .validation: return "ValidationException"
        case .accessDenied: return "AccessDeniedException"
        case .resourceNotFound: return "ResourceNotFoundException"
        case .cassetteNotFound: return "CassetteNotFoundException"
        case .unknownOperation, .methodNotAllowed: return "UnknownOperationException"
        case .modelTimeout: return "ModelTimeoutException"
        case .throttling: return "ThrottlingException"
        case .internalServer: return "InternalServerException"
        case .notImplemented: return "NotImplementedException"
        case .badGateway: return "BadGatewayException"
        case .serviceUnavailable: return "ServiceUnavailableException"
        }
    }

    /// Why, for the client.
    public var message: String {
        switch self {
        case .validation(let message, _), .accessDenied(let message), .resourceNotFound(let message),
            .cassetteNotFound(let message), .unknownOperation(let message), .methodNotAllowed(let message, _),
            .modelTimeout(let message), .throttling(let message), .internalServer(let message), .notImplemented(let message), .badGateway(let message),
            .serviceUnavailable(let message):
            return message
        }
    }

    /// The error as an answer, with `extraHeaders` after the standard ones.
    public func response(extraHeaders: [HTTPField] = []) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("x-amzn-ErrorType", type)])
        if case .methodNotAllowed(_, let allow) = self { headers.add("Allow", allow) }
        for field in extraHeaders { headers.add(field.name, field.value) }
        let body = JSONWriter.compact(.object([JSONMember("message", .string(message))]))
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// The error for a request the HTTP layer could not read, by the status it chose.
    public init(_ error: HTTPError) {
        switch error.status {
        case 403: self = .accessDenied(error.message)
        case 404: self = .resourceNotFound(error.message)
        case 408: self = .modelTimeout(error.message)
        case 429: self = .throttling(error.message)
        case 503: self = .serviceUnavailable(error.message)
        case 400..<500, 501, 505: self = .validation(error.message, status: error.status)
        default: self = .internalServer(error.message)
        }
    }

    /// How the HTTP layer answers requests it could not read.
    public static let forHTTPError: @Sendable (HTTPError) -> HTTPResponse = { error in BedrockError(error).response() }
}
