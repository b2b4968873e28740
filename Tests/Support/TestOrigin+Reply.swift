import TapedeckHTTP

extension TestOrigin {
    /// One piece of a chunked reply: wait `delayMs`, run `before` (if any), then send `bytes` as one HTTP chunk.
    package struct Chunk: Sendable {
        /// Milliseconds to wait before sending this chunk (cut short by `stop()`).
        var delayMs: Int
        /// The chunk's bytes; an empty chunk is skipped, since a zero-size chunk would end the body.
        var bytes: [UInt8]
        /// Runs on the connection's thread just before sending, e.g. to wait until the client saw the previous chunk.
        package var before: (@Sendable () -> Void)?

        /// Creates a chunk.
        package init(delayMs: Int = 0, _ bytes: [UInt8], before: (@Sendable () -> Void)? = nil) {
            self.delayMs = delayMs
            self.bytes = bytes
            self.before = before
        }

        /// Creates a chunk from UTF-8 text.
        package init(delayMs: Int = 0, _ text: String, before: (@Sendable () -> Void)? = nil) {
            self.init(delayMs: delayMs, Array(text.utf8), before: before)
        }
    }

    /// How the origin answers one request; build it with the static factories.
    package struct Reply: Sendable {
        /// The shape of the reply body on the wire.
        enum Body: Sendable {
            /// The whole body with a Content-Length.
            case whole([UInt8])
            /// `Transfer-Encoding: chunked`; with `finished` false the connection closes instead of the last chunk.
            case chunked([Chunk], finished: Bool)
            /// A Content-Length of `declaredLength`, but only `sent` goes out before the connection closes.
            case truncated(declaredLength: Int, sent: [UInt8])
            /// Nothing at all: the connection is reset (RST, via SO_LINGER 0) once the request has been read.
            case reset
        }

        /// The status code.
        var status: Int
        /// Header fields sent in this order before the framing header the origin adds itself.
        package var headers: [(name: String, value: String)]
        /// The body and its framing.
        var body: Body
        /// Milliseconds to wait before sending anything (cut short by `stop()`).
        var delayMs = 0
        /// Sends `Connection: close` and closes the connection after the reply, so a client never keeps it.
        var closes = false

        /// A whole response: `status`, `headers`, then `Content-Length` (unless given) and `body`.
        package static func response(status: Int = 200, headers: [(name: String, value: String)] = [],
                             body: [UInt8] = []) -> Reply {
            Reply(status: status, headers: headers, body: .whole(body))
        }

        /// A 200 with a UTF-8 text body.
        package static func ok(_ text: String = "", headers: [(name: String, value: String)] = []) -> Reply {
            response(status: 200, headers: headers, body: Array(text.utf8))
        }

        /// A chunked streaming response sending `chunks` in order, then the terminating zero-size chunk.
        package static func chunked(status: Int = 200, headers: [(name: String, value: String)] = [],
                            chunks: [Chunk]) -> Reply {
            Reply(status: status, headers: headers, body: .chunked(chunks, finished: true))
        }

        /// A chunked response that sends `chunks` and then closes the connection without the last chunk.
        package static func chunkedCutOff(status: Int = 200, headers: [(name: String, value: String)] = [],
                                  chunks: [Chunk]) -> Reply {
            Reply(status: status, headers: headers, body: .chunked(chunks, finished: false))
        }

        /// A response declaring `declaredLength` body bytes that closes the connection after sending `sent`.
        package static func truncated(status: Int = 200, headers: [(name: String, value: String)] = [],
                              declaredLength: Int, sent: [UInt8]) -> Reply {
            Reply(status: status, headers: headers, body: .truncated(declaredLength: declaredLength, sent: sent))
        }

        /// A connection reset (RST) instead of any answer, once the request has been read.
        package static let reset = Reply(status: 0, headers: [], body: .reset)

        /// This reply, followed by closing the connection (`Connection: close`).
        package func closingConnection() -> Reply {
            var reply = self
            reply.closes = true
            return reply
        }

        /// This reply, sent only after waiting `milliseconds`.
        package func delayed(by milliseconds: Int) -> Reply {
            var reply = self
            reply.delayMs = milliseconds
            return reply
        }

        /// The status line and header block, with the framing header for `body` and `Connection: close` if closing.
        package func head(closing: Bool) -> [UInt8] {
            var text = "HTTP/1.1 \(status) \(TestOrigin.Reply.reason(for: status))\r\n"
            for header in headers { text += "\(header.name): \(header.value)\r\n" }
            let hasLength = headers.contains { HTTPHeaders.equalsIgnoringCase($0.name, "Content-Length") }
            switch body {
            case .whole(let bytes):
                if !hasLength { text += "Content-Length: \(bytes.count)\r\n" }
            case .chunked:
                text += "Transfer-Encoding: chunked\r\n"
            case .truncated(let declaredLength, _):
                if !hasLength { text += "Content-Length: \(declaredLength)\r\n" }
            case .reset:
                break
            }
            if closing { text += "Connection: close\r\n" }
            return Array((text + "\r\n").utf8)
        }

        /// The reason phrase for common codes; clients ignore it (RFC 9112 §4).
        package static func reason(for status: Int) -> String {
            switch status {
            case 100: "Continue"
            case 200: "OK"
            case 201: "Created"
            case 204: "No Content"
            case 302: "Found"
            case 400: "Bad Request"
            case 403: "Forbidden"
            case 404: "Not Found"
            case 408: "Request Timeout"
            case 424: "Failed Dependency"
            case 429: "Too Many Requests"
            case 500: "Internal Server Error"
            case 503: "Service Unavailable"
            default: "Status \(status)"
            }
        }
    }
}
