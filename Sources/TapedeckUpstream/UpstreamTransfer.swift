internal import CCurl
import TapedeckHTTP

/// One request in flight on the client's thread: its easy handle's options, the C buffers curl reads, the parsed head.
final class UpstreamTransfer {
    /// The easy handle this transfer runs on; owned by the loop, borrowed here.
    let easy: UnsafeMutableRawPointer
    private let job: UpstreamLoop.Job
    /// A copy of the request body. CURLOPT_POSTFIELDS(3): curl does not copy the data, so it lives until completion.
    private let body: UnsafeMutableRawBufferPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// CURLOPT_ERRORBUFFER(3): at least CURL_ERROR_SIZE bytes, written by curl when a transfer fails.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var status = 0
    /// The final response's fields so far: an array, since an obs-fold line extends the last value in place.
    private var fields: [HTTPField] = []
    private var headDelivered = false
    /// Numbers this transfer among all of the loop's, for its `UpstreamTransferControl`; set when it starts.
    var serial: UInt64 = 0
    /// Receiving is paused (CURL_WRITEFUNC_PAUSE, or curl_easy_pause(3) with CURLPAUSE_RECV).
    var paused = false
    /// The handler's way to pause this transfer; set when it starts.
    var control: UpstreamTransferControl?

    /// Prepares buffers for `job` on `easy`; nothing is set on the handle until `configure()`.
    init(easy: UnsafeMutableRawPointer, job: UpstreamLoop.Job) {
        self.easy = easy
        self.job = job
        // At least one byte, so the CURLOPT_POSTFIELDS pointer is never NULL even for an empty body.
        body = .allocate(byteCount: max(job.request.body.count, 1), alignment: 1)
        body.copyBytes(from: job.request.body)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
        body.deallocate()
    }

    /// Sets every option for this request on a freshly reset easy handle.
    func configure() throws(CurlError) {
        let request = job.request
        let this = Unmanaged.passUnretained(self).toOpaque()
        try check(request.url.withCString { tapedeck_curl_setopt_string(easy, CURLOPT_URL, $0) }, "CURLOPT_URL")
        // CURLOPT_PROTOCOLS_STR(3): only HTTP(S), so a bad URL can never read a file or speak another protocol.
        try check(tapedeck_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        // CURLOPT_NOSIGNAL(3): curl must not use signals (alarm for DNS timeouts) in a multi-threaded process.
        try check(tapedeck_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        // CURLOPT_PROXY(3): "" disables every proxy, including http_proxy/https_proxy/all_proxy from the
        // environment. Tapedeck is itself the proxy clients point at; inheriting a proxy variable meant for
        // them could route upstream calls back into Tapedeck, and recordings must come from the named URL.
        try check(tapedeck_curl_setopt_string(easy, CURLOPT_PROXY, ""), "CURLOPT_PROXY")
        try configureMethod()
        try buildHeaderList()
        try check(tapedeck_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        // CURLOPT_TIMEOUT(3): the whole transfer; 0 means no limit.
        try check(tapedeck_curl_setopt_long(easy, CURLOPT_TIMEOUT, max(request.timeoutSeconds, 0)), "CURLOPT_TIMEOUT")
        // CURLOPT_CONNECTTIMEOUT(3): a dead upstream host fails in 10 s, not after the whole timeout.
        try check(tapedeck_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, 10), "CURLOPT_CONNECTTIMEOUT")
        try check(tapedeck_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        // CURLOPT_FOLLOWLOCATION(3) stays off: a redirect is upstream's answer and passes through unchanged.
        // CURLOPT_ACCEPT_ENCODING(3) is deliberately left unset: no automatic decompression, so the recorded
        // bytes are exactly what upstream sent, and Accept-Encoding is only what the caller forwarded.
        try check(tapedeck_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, UpstreamTransfer.onHeader),
                  "CURLOPT_HEADERFUNCTION")
        try check(tapedeck_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, this), "CURLOPT_HEADERDATA")
        try check(tapedeck_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, UpstreamTransfer.onBody),
                  "CURLOPT_WRITEFUNCTION")
        try check(tapedeck_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, this), "CURLOPT_WRITEDATA")
    }

    /// The method and body: a GET or HEAD without a body as curl's own, anything else as a POST of the body bytes
    /// with the method named by CURLOPT_CUSTOMREQUEST(3) when it is not POST.
    private func configureMethod() throws(CurlError) {
        let request = job.request
        switch (request.method, request.body.isEmpty) {
        case ("GET", true):
            try check(tapedeck_curl_setopt_long(easy, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
        case ("HEAD", true):
            try check(tapedeck_curl_setopt_long(easy, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY")
        default:
            // CURLOPT_POSTFIELDSIZE_LARGE(3) before CURLOPT_POSTFIELDS(3): the body is binary-safe, never strlen'd.
            try check(tapedeck_curl_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)),
                      "CURLOPT_POSTFIELDSIZE_LARGE")
            try check(tapedeck_curl_setopt_pointer(easy, CURLOPT_POSTFIELDS, body.baseAddress), "CURLOPT_POSTFIELDS")
            if request.method != "POST" {
                try check(request.method.withCString { tapedeck_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, $0) },
                          "CURLOPT_CUSTOMREQUEST")
            }
        }
    }

    /// Reports the end of the transfer to the handler; `message` overrides curl's own text.
    func finish(_ code: CURLcode, message: String? = nil) {
        let latencyMs = UpstreamTransfer.milliseconds(job.started.duration(to: .now))
        guard code == CURLE_OK else {
            let buffered = String(cString: errorBuffer)
            let text = message ?? (buffered.isEmpty ? nil : buffered)
            job.handler.upstreamDidFinish(.failure(CurlError(code, message: text, url: job.request.url)))
            return
        }
        deliverHeadIfNeeded()
        job.handler.upstreamDidFinish(.success(latencyMs))
    }

    /// Builds CURLOPT_HTTPHEADER(3) from the caller's headers plus the lines that switch off curl's own defaults.
    private func buildHeaderList() throws(CurlError) {
        let request = job.request
        var lines: [String] = []
        for header in request.headers where !UpstreamRequest.droppedHeaders.contains(header.name.lowercased()) {
            // Scan bytes, not Characters: "\r\n" is a single Character and would slip past a Character test.
            let breaks: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
            guard !header.name.isEmpty, !header.name.utf8.contains(where: { breaks($0) || $0 == 0x3A }),
                  !header.value.utf8.contains(where: breaks) else {
                throw CurlError(CURLE_BAD_FUNCTION_ARGUMENT,
                                message: "a request header name or value contains CR, LF, NUL or a bad colon",
                                url: request.url)
            }
            // CURLOPT_HTTPHEADER(3): "Name;" sends an empty header, while "Name:" would remove it.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // CURLOPT_POSTFIELDS(3): without a caller Content-Type curl invents application/x-www-form-urlencoded.
        if !request.headers.contains("Content-Type") && !request.body.isEmpty { lines.append("Content-Type:") }
        // curl sends "Accept: */*" unless told otherwise; upstream should see only what the caller sent.
        if !request.headers.contains("Accept") { lines.append("Accept:") }
        // CURLOPT_HTTPHEADER(3): an empty "Expect:" stops curl sending "Expect: 100-continue" for large bodies.
        lines.append("Expect:")
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw CurlError(CURLE_OUT_OF_MEMORY, url: request.url)
            }
            headerList = appended
        }
    }

    /// One header line from curl (CURLOPT_HEADERFUNCTION(3)): status lines, fields, the blank line, trailers.
    fileprivate func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        // Trailers of a chunked body arrive after the head was delivered; they are not part of it.
        guard !headDelivered else { return }
        var line = raw[...]
        while let last = line.last, last == 0x0D || last == 0x0A { line = line.dropLast() }
        if line.starts(with: "HTTP/".utf8) {
            // A new status line (after 100 Continue or a 1xx): only the final response's fields count.
            fields.removeAll()
            status = UpstreamTransfer.statusCode(in: line)
            return
        }
        guard let first = line.first else { return }
        if first == 0x20 || first == 0x09, let previous = fields.indices.last {
            // RFC 9112 §5.2: obsolete line folding; the continuation joins the previous value with a space.
            fields[previous].value += " " + UpstreamTransfer.trimmed(line)
            return
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        fields.append(HTTPField(name, UpstreamTransfer.trimmed(line[(colon + 1)...])))
    }

    /// One body chunk from curl (CURLOPT_WRITEFUNCTION(3)); what to answer curl: the byte count taken, or
    /// CURL_WRITEFUNC_PAUSE to hold the chunk back (curl delivers the same bytes again once resumed).
    fileprivate func receiveBody(_ raw: UnsafeRawBufferPointer) -> Int {
        deliverHeadIfNeeded()
        if control?.isPauseWanted == true {
            paused = true
            return Int(CURL_WRITEFUNC_PAUSE)
        }
        job.handler.upstreamDidReceive([UInt8](raw))
        return raw.count
    }

    private func deliverHeadIfNeeded() {
        guard !headDelivered else { return }
        headDelivered = true
        job.handler.upstreamDidReceiveHead(status: status, headers: HTTPHeaders(fields))
    }

    private func check(_ code: CURLcode, _ option: String) throws(CurlError) {
        guard code == CURLE_OK else {
            throw CurlError(code, message: "\(option): \(Curl.describe(code))", url: job.request.url)
        }
    }
}

extension UpstreamTransfer {
    /// CURLOPT_HEADERFUNCTION(3) trampoline; userdata is the unretained transfer (the loop keeps it alive).
    fileprivate static let onHeader: tapedeck_curl_data_callback = { data, size, count, userdata in
        let length = size * count
        guard let userdata else { return 0 }
        let transfer = Unmanaged<UpstreamTransfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    /// CURLOPT_WRITEFUNCTION(3) trampoline; returning `length` tells curl every byte was taken.
    fileprivate static let onBody: tapedeck_curl_data_callback = { data, size, count, userdata in
        let length = size * count
        guard let userdata else { return 0 }
        let transfer = Unmanaged<UpstreamTransfer>.fromOpaque(userdata).takeUnretainedValue()
        return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// The three-digit code after `HTTP/x.y ` in a status line, or 0 if there is none.
    fileprivate static func statusCode(in line: Slice<UnsafeRawBufferPointer>) -> Int {
        guard let space = line.firstIndex(of: 0x20) else { return 0 }
        var code = 0
        for byte in line[(space + 1)...].prefix(while: { $0 != 0x20 }) {
            guard byte >= 0x30, byte <= 0x39 else { return 0 }
            code = code * 10 + Int(byte - 0x30)
        }
        return code
    }

    /// The bytes as UTF-8 text without leading or trailing spaces and tabs (RFC 9110 §5.5 OWS).
    fileprivate static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
              let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    /// Whole milliseconds in `duration`, rounded down.
    fileprivate static func milliseconds(_ duration: Duration) -> Int {
        let parts = duration.components
        return Int(parts.seconds) * 1000 + Int(parts.attoseconds / 1_000_000_000_000_000)
    }
}
