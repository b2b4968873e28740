import TapedeckHTTP
import TapedeckBedrock

/// Raw bytes from a client into `RequestParser`, driven as `Connection` drives it: everything received and not
/// yet consumed is offered again after each read, and every event is drained before the next read.
///
/// Properties: the outcome (events, error, bytes left unconsumed) is the same however the bytes are cut; every
/// request obeys what the parser promises (token method, visible-ASCII target, clean header values, the body
/// its Content-Length announced, at most the body limit); a Converse route's model id survives re-encoding; a
/// namespace header that validates names a directory inside the store.
enum HTTPRequestTarget {
    /// Small limits, so short inputs reach the 413 and 431 paths too.
    static let limits = RequestParser.Limits(maxHeaderBytes: 2048, maxBodyBytes: 16384, maxChunkLineBytes: 64)

    /// What the parser produced from the bytes.
    struct Outcome: Equatable {
        var events: [Event] = []
        var error: HTTPError?
        /// Bytes received but not consumed when the input ended (only meaningful without an error).
        var unconsumed = 0
    }

    /// One parser event, comparable.
    enum Event: Equatable {
        case head(HTTPRequestHead)
        case request(HTTPRequestHead, body: [UInt8])
    }

    static func run(_ bytes: [UInt8]) {
        let plans = Splits.of(bytes)
        let whole = parse(bytes, in: plans[0])
        for plan in plans.dropFirst() {
            let cut = parse(bytes, in: plan)
            Property.check(cut == whole, """
                the parser's outcome depends on how the input is cut: whole \(describe(whole)), \
                in \(plan.count) pieces \(describe(cut))
                """)
        }
        for event in whole.events {
            if case .request(let head, let body) = event { checkRequest(head, body: body) }
        }
    }

    /// Feeds the pieces of `bytes` named by `plan` one read at a time.
    static func parse(_ bytes: [UInt8], in plan: [Range<Int>]) -> Outcome {
        var parser = RequestParser(limits: limits)
        var outcome = Outcome()
        var readIndex = 0
        for piece in plan {
            let received = piece.upperBound
            while true {
                let result = bytes.withUnsafeBufferPointer { buffer in
                    Result { () throws(HTTPError) in
                        try parser.parse(UnsafeBufferPointer(rebasing: buffer[readIndex..<received]))
                    }
                }
                switch result {
                case .failure(let error):
                    outcome.error = error
                    return outcome
                case .success(let (consumed, event)):
                    Property.check(consumed >= 0 && readIndex + consumed <= received, "consumed \(consumed) of \(received - readIndex) bytes")
                    readIndex += consumed
                    guard let event else { break }
                    switch event {
                    case .head(let head): outcome.events.append(.head(head))
                    case .request(let request): outcome.events.append(.request(request.head, body: request.body))
                    }
                    continue
                }
                break
            }
        }
        outcome.unconsumed = bytes.count - readIndex
        return outcome
    }

    /// What the rest of Tapedeck relies on in a parsed request.
    static func checkRequest(_ head: HTTPRequestHead, body: [UInt8]) {
        Property.check(!head.method.isEmpty && head.method.utf8.allSatisfy(isTokenByte), "method \(String(reflecting: head.method))")
        Property.check(!head.target.isEmpty && head.target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F },
                       "target \(String(reflecting: head.target))")
        Property.check(head.minorVersion == 0 || head.minorVersion == 1, "HTTP/1.\(head.minorVersion)")
        if head.minorVersion == 1 { Property.check(head.headers.values("Host").count == 1, "HTTP/1.1 without exactly one Host") }
        for field in head.headers {
            Property.check(!field.name.isEmpty && field.name.utf8.allSatisfy(isTokenByte), "header name \(String(reflecting: field.name))")
            let value = Array(field.value.utf8)
            Property.check(!value.contains { $0 == 0 || $0 == 0x0D || $0 == 0x0A }, "header value \(String(reflecting: field.value))")
            Property.check(value.first.map { $0 != 0x20 && $0 != 0x09 } ?? true, "untrimmed header value")
            Property.check(value.last.map { $0 != 0x20 && $0 != 0x09 } ?? true, "untrimmed header value")
        }
        Property.check(body.count <= limits.maxBodyBytes, "a body of \(body.count) bytes passed the \(limits.maxBodyBytes)-byte limit")
        if let length = head.headers["Content-Length"], head.headers["Transfer-Encoding"] == nil {
            let declared = Int(length.split(separator: ",").first.map { String($0).trimmingSpacesAndTabs } ?? "")
            Property.check(declared == body.count, "Content-Length \(length) but \(body.count) body bytes")
        }
        _ = head.keepAlive
        _ = head.expectsContinue
        checkRoute(head.path)
        if let namespace = head.headers["x-tapedeck-namespace"] {
            NamespaceTarget.check(namespace)
        }
    }

    /// A recorded route's model id is one that can be hashed and filed, and survives boto3-style re-encoding; a
    /// path passed through keeps every byte after its prefix.
    static func checkRoute(_ path: Substring) {
        let match = BedrockRoute.parse(path: String(path))
        if case .passThrough(let other) = match {
            Property.check(other.prefix + other.upstreamPath == String(path), "pass-through \(other) lost bytes of \(path)")
            _ = other.operationName(method: "GET")
            return
        }
        guard case .recorded(let route) = match else { return }
        let modelId = Array(route.modelId.utf8)
        Property.check(!modelId.isEmpty && modelId.count <= BedrockRoute.maxModelIdBytes, "model id of \(modelId.count) bytes")
        Property.check(!modelId.contains { $0 < 0x20 || $0 == 0x7F }, "control character in model id \(String(reflecting: route.modelId))")
        let again = BedrockRoute.parse(path: route.path)
        Property.check(again == .recorded(route), "route \(route) re-encoded as \(route.path) parses as \(again)")
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    private static func describe(_ outcome: Outcome) -> String {
        let events = outcome.events.map { event in
            switch event {
            case .head(let head): "head(\(head.method) \(head.target))"
            case .request(let head, let body): "request(\(head.method) \(head.target), \(body.count) bytes)"
            }
        }
        return "[\(events.joined(separator: ", "))] error: \(outcome.error.map(\.description) ?? "none"), unconsumed: \(outcome.unconsumed)"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpacesAndTabs: String {
        var bytes = Substring(self).utf8[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
