internal import CCurl

/// Blocking HTTP calls to a credentials endpoint (the container endpoint, EC2 instance metadata) on one libcurl easy
/// handle: short timeouts, a small answer, no proxy, no redirects.
final class MetadataClient {
    /// What an endpoint answered.
    struct Answer {
        /// The HTTP status.
        var status: Int
        /// The body (at most `maxBytes`).
        var body: [UInt8]
    }

    /// The largest answer read, in bytes; a bigger one fails the call.
    static let maxBytes = 64 << 10

    private let easy: UnsafeMutableRawPointer
    private var body: [UInt8] = []
    private var overflowed = false

    /// A client with its own easy handle.
    init() throws(CredentialError) {
        Curl.initialize()
        guard let handle = curl_easy_init() else { throw CredentialError("curl_easy_init failed") }
        easy = handle
    }

    deinit {
        curl_easy_cleanup(easy)
    }

    /// Sends `method` to `url` with `headers` and `body` (none for GET); throws when no answer came. Errors never show
    /// a header value or the body (they carry tokens and keys).
    func call(
        _ method: String, _ url: String, headers: [(String, String)] = [], body requestBody: [UInt8] = [],
        connectTimeoutMs: Int, timeoutMs: Int
    ) throws(CredentialError) -> Answer {
        // CURLOPT_POSTFIELDS(3): curl does not copy the data; it lives until the call returns.
        let sent = UnsafeMutableRawBufferPointer.allocate(byteCount: max(requestBody.count, 1), alignment: 1)
        defer { sent.deallocate() }
        sent.copyBytes(from: requestBody)
        curl_easy_reset(easy)
        body = []
        overflowed = false
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers + [("Expect", "")] {
            guard let appended = curl_slist_append(list, value.isEmpty ? "\(name):" : "\(name): \(value)") else {
                throw CredentialError("\(CurlError.redact(url)): out of memory")
            }
            list = appended
        }
        let this = Unmanaged.passUnretained(self).toOpaque()
        var codes = [
            url.withCString { tapedeck_curl_setopt_string(easy, CURLOPT_URL, $0) },
            // CURLOPT_PROTOCOLS_STR(3): plain HTTP(S) only.
            tapedeck_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
            // CURLOPT_NOSIGNAL(3): no SIGALRM for DNS timeouts in a threaded process.
            tapedeck_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1),
            // CURLOPT_PROXY(3): "" ignores http_proxy and friends; these endpoints are link-local or loopback.
            tapedeck_curl_setopt_string(easy, CURLOPT_PROXY, ""),
            tapedeck_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs),
            tapedeck_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMs),
            tapedeck_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list),
            tapedeck_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, MetadataClient.onBody),
            tapedeck_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, this),
        ]
        if !requestBody.isEmpty {
            codes.append(tapedeck_curl_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(requestBody.count)))
            codes.append(tapedeck_curl_setopt_pointer(easy, CURLOPT_POSTFIELDS, sent.baseAddress))
        }
        if method != "GET" && !(method == "POST" && !requestBody.isEmpty) {
            codes.append(method.withCString { tapedeck_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, $0) })
        }
        if let bad = codes.first(where: { $0 != CURLE_OK }) {
            throw CredentialError("\(CurlError.redact(url)): \(Curl.describe(bad))")
        }
        let code = curl_easy_perform(easy)
        if overflowed { throw CredentialError("\(CurlError.redact(url)): the answer is larger than \(Self.maxBytes) bytes") }
        guard code == CURLE_OK else { throw CredentialError("\(CurlError.redact(url)): \(Curl.describe(code))") }
        var status = 0
        _ = tapedeck_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return Answer(status: status, body: body)
    }

    private func receive(_ raw: UnsafeRawBufferPointer) -> Int {
        guard body.count + raw.count <= Self.maxBytes else {
            overflowed = true
            return 0
        }
        body += raw
        return raw.count
    }

    /// CURLOPT_WRITEFUNCTION(3) trampoline; userdata is the unretained client, alive for the blocking call.
    private static let onBody: tapedeck_curl_data_callback = { data, size, count, userdata in
        let length = size * count
        guard let userdata, let data else { return 0 }
        let client = Unmanaged<MetadataClient>.fromOpaque(userdata).takeUnretainedValue()
        return client.receive(UnsafeRawBufferPointer(start: data, count: length))
    }
}
