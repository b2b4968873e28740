import TapedeckCodec
import TapedeckHTTP
/// Answers of the cassette browser, all with the same protective headers: the page may load only its own
/// script, style sheet and data-URL images, nothing is cached, and no content type is guessed.
enum BrowserResponse {
    /// `script-src 'self'` with no inline script anywhere, so a recorded `<script>` can never run even if some
    /// text reached the DOM as markup; images only from the cassette's own bytes (`data:`).
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src data: 'self'; connect-src 'self'"

    /// The headers every browser answer carries besides its content type.
    static let protectiveHeaders: [HTTPField] = [
        HTTPField("Content-Security-Policy", contentSecurityPolicy),
        HTTPField("X-Content-Type-Options", "nosniff"),
        HTTPField("Cache-Control", "no-store"),
        HTTPField("X-Frame-Options", "DENY"),
        HTTPField("Referrer-Policy", "no-referrer"),
    ]

    /// A 200 answer of `body` as `contentType`.
    static func ok(_ body: [UInt8], contentType: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([HTTPField("Content-Type", contentType)] + protectiveHeaders), body: body)
    }

    /// A 200 JSON answer.
    static func json(_ value: JSONValue) -> HTTPResponse {
        ok(JSONWriter.compact(value), contentType: "application/json; charset=utf-8")
    }

    /// An error in Bedrock's shape (status, `x-amzn-ErrorType`, `{"message": …}`) with the browser's headers.
    static func error(_ error: BedrockError) -> HTTPResponse {
        var response = error.response(extraHeaders: protectiveHeaders)
        response.headers.set("Content-Type", "application/json; charset=utf-8")
        return response
    }
}
