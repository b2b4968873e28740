internal import CCurl

/// A failed upstream transfer: libcurl's result code, its message, and the URL with credentials and query removed.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A libcurl result code (`CURLcode`, see libcurl-errors(3)); match it with `~=` in a `catch` or `switch`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The numeric `CURLcode`.
        public let rawValue: UInt32

        /// Wraps a numeric `CURLcode`.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        init(_ code: CURLcode) { rawValue = code.rawValue }

        /// CURLE_COULDNT_RESOLVE_HOST (6).
        public static let couldNotResolveHost = Code(CURLE_COULDNT_RESOLVE_HOST)
        /// CURLE_COULDNT_CONNECT (7): connection refused or unreachable.
        public static let couldNotConnect = Code(CURLE_COULDNT_CONNECT)
        /// CURLE_PARTIAL_FILE (18): the body ended before its declared length.
        public static let partialFile = Code(CURLE_PARTIAL_FILE)
        /// CURLE_OUT_OF_MEMORY (27).
        public static let outOfMemory = Code(CURLE_OUT_OF_MEMORY)
        /// CURLE_OPERATION_TIMEDOUT (28): CURLOPT_TIMEOUT or CURLOPT_CONNECTTIMEOUT expired.
        public static let operationTimedOut = Code(CURLE_OPERATION_TIMEDOUT)
        /// CURLE_ABORTED_BY_CALLBACK (42): Tapedeck uses it for transfers ended by `UpstreamClient.shutdown()`.
        public static let abortedByCallback = Code(CURLE_ABORTED_BY_CALLBACK)
        /// CURLE_BAD_FUNCTION_ARGUMENT (43): Tapedeck uses it for a request it refuses to send.
        public static let badFunctionArgument = Code(CURLE_BAD_FUNCTION_ARGUMENT)
        /// CURLE_GOT_NOTHING (52): the server closed the connection without answering.
        public static let gotNothing = Code(CURLE_GOT_NOTHING)
        /// CURLE_RECV_ERROR (56): reading from the connection failed, e.g. it was reset.
        public static let receiveError = Code(CURLE_RECV_ERROR)

        /// libcurl's short text for this code (curl_easy_strerror(3)).
        public var description: String {
            Curl.describe(CURLcode(rawValue: rawValue))
        }
    }

    /// The libcurl result code.
    public let code: Code
    /// What went wrong: the CURLOPT_ERRORBUFFER text when curl wrote one, else curl_easy_strerror(3).
    public let message: String
    /// The request URL without userinfo, query string or fragment.
    public let url: String

    /// Creates an error for `url`; the URL is redacted and any credential it carried is scrubbed from `message`.
    public init(code: Code, message: String, url: String) {
        let parts = CurlError.split(url)
        self.code = code
        self.url = parts.redacted
        self.message = CurlError.scrub(message, removing: parts.secrets)
    }

    init(_ code: CURLcode, message: String? = nil, url: String) {
        self.init(code: Code(code), message: message ?? Curl.describe(code), url: url)
    }

    /// `upstream <redacted URL>: <curl's text for the code> (CURLcode n)`, then curl's detailed message if it differs.
    public var description: String {
        let cause = code.description
        if message == cause {
            return "upstream \(url): \(cause) (CURLcode \(code.rawValue))"
        }
        return "upstream \(url): \(cause) (CURLcode \(code.rawValue)): \(message)"
    }

    /// `url` without userinfo, query string or fragment; what error messages and logs may show.
    public static func redact(_ url: String) -> String {
        split(url).redacted
    }

    /// Splits a URL into its printable part and the pieces that must never be printed (userinfo, query, fragment).
    private static func split(_ url: String) -> (redacted: String, secrets: [String]) {
        var secrets: [String] = []
        var rest = Substring(url)
        // RFC 3986 §3.4–3.5: the query starts at the first "?" and the fragment at the first "#".
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            secrets.append(String(rest[rest.index(after: cut)...]))
            rest = rest[..<cut]
        }
        var prefix = Substring("")
        if let scheme = rest.firstRange(of: "://") {
            prefix = rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
        }
        // RFC 3986 §3.2: the authority ends at the first "/"; userinfo is everything before its last "@".
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            let userinfo = rest[..<at]
            secrets.append(String(userinfo))
            if let colon = userinfo.firstIndex(of: ":") {
                secrets.append(String(userinfo[userinfo.index(after: colon)...]))
            }
            rest = rest[rest.index(after: at)...]
        }
        return (String(prefix) + String(rest), secrets.filter { !$0.isEmpty })
    }

    /// Replaces every occurrence of each secret in `text` with `***`, longest secret first.
    private static func scrub(_ text: String, removing secrets: [String]) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) {
            result = result.replacing(secret, with: "***")
        }
        return result
    }
}

/// Matches an error by code: `catch let error as CurlError where .operationTimedOut ~= error`.
public func ~= (code: CurlError.Code, error: CurlError) -> Bool { error.code == code }
