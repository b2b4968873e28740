internal import CCurl

/// Process-wide libcurl state: `curl_global_init` runs exactly once, before the first handle is made.
public enum Curl {
    /// The result of the one `curl_global_init(CURL_GLOBAL_DEFAULT)` call.
    ///
    /// Swift runs a `static let` initializer exactly once, under a lock, the first time it is read.
    /// curl_global_init(3): since 7.84.0 the call is thread-safe when `curl_version_info` reports
    /// `CURL_VERSION_THREADSAFE`; on older builds call `initialize()` from `main` before any thread starts.
    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Runs the one-time global init if it has not run yet; every handle owner calls this first.
    public static func initialize() {
        precondition(globalInitResult == CURLE_OK, "curl_global_init failed: \(describe(globalInitResult))")
    }

    /// The version string of the linked libcurl, e.g. `libcurl/7.88.1 OpenSSL/3.0.11`.
    public static var version: String {
        initialize()
        return String(cString: curl_version())
    }

    /// The short English text libcurl gives for a result code (curl_easy_strerror(3)).
    static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}
