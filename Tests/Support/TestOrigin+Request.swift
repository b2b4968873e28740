import TapedeckHTTP

extension TestOrigin {
    /// One request as the origin received it, body already de-chunked.
    package struct Request: Sendable {
        /// The method, e.g. `POST`.
        package let method: String
        /// The raw request target exactly as sent, e.g. `/model/a%3Ab/converse?x=1`.
        package let path: String
        /// The protocol version from the request line, e.g. `HTTP/1.1`.
        let version: String
        /// Header fields in order, duplicates kept, names as sent.
        package let headers: HTTPHeaders
        /// The body bytes (Content-Length or chunked framing removed).
        package let body: [UInt8]

        /// The first value of the header `name`, compared case-insensitively.
        package func header(_ name: String) -> String? {
            headers[name]
        }

        /// Every value of the header `name` in order, compared case-insensitively.
        package func headerValues(_ name: String) -> [String] {
            headers.values(name)
        }

        /// The body as UTF-8 text, for readable assertions.
        package var bodyText: String {
            String(decoding: body, as: UTF8.self)
        }

        /// Whether the client asked to close the connection after this request (RFC 9112 §9.3).
        var wantsClose: Bool {
            let connection = header("Connection")?.lowercased() ?? ""
            if version == "HTTP/1.0" { return !connection.contains("keep-alive") }
            return connection.contains("close")
        }
    }
}
