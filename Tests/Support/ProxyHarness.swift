import Foundation
import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckStore
import TapedeckUpstream
import TapedeckProxy

/// A whole proxy for one test: a Bedrock-like `TestOrigin`, a JSON store in its own temporary directory,
/// a real `UpstreamClient` and a `ProxyEngine` behind a real `HTTPServer`, all on ports the kernel picks.
///
/// ```swift
/// let proxy = try ProxyHarness()
/// defer { proxy.stop() }
/// let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
/// ```
package final class ProxyHarness: @unchecked Sendable {
    /// Where the engine sends misses.
    package enum Upstream {
        /// The harness's origin, with `path` appended to its base URL (e.g. `/cursor`).
        case origin(path: String = "")
        /// Any URL, e.g. one with a closed port.
        case url(String)
        /// No upstream: the server can only replay.
        case none
    }

    package let origin: TestOrigin
    /// The temporary directory; the store lives in its `cassettes` subdirectory, created on first write.
    package let directory: String
    /// The JSON store at `<directory>/cassettes` (the engine's store unless `storeKind` is `.sqlite`).
    package let store: JSONFileStore
    /// The store the engine uses.
    package let engineStore: CassetteStore
    package let upstream: UpstreamClient?
    package let engine: ProxyEngine
    package let server: HTTPServer
    /// The file the engine's log goes to when the harness was made with `logging`, else nil.
    let logPath: String?
    private let logFd: Int32
    /// The engine's log (its request lines are written in batches: `logLines` flushes them first).
    private let processLog: ProcessLog

    /// The proxy's port on 127.0.0.1.
    package var port: Int { server.port }

    /// Starts origin, engine and server; `configure` adjusts the proxy configuration after mode and upstream are set.
    /// With one event loop, anything that blocked the loop would hold up every connection, so a test can see it.
    package init(
        mode: ProxyMode? = nil,
        upstream target: Upstream = .origin(),
        limits: RequestParser.Limits = RequestParser.Limits(),
        eventLoops: Int = 2,
        storeKind: StoreKind = .json,
        engineStore given: CassetteStore? = nil,
        stats: ProxyStats = ProxyStats(),
        logging: Bool = false,
        configure: (inout ProxyConfiguration) -> Void = { _ in },
        origin handler: @escaping TestOrigin.Handler = BedrockOrigin().handler
    ) throws {
        origin = try TestOrigin(handler: handler)
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/tapedeck-proxy-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            origin.stop()
            throw SystemError("mkdtemp", errno: errno)
        }
        directory = String(cString: made)
        store = JSONFileStore(directory: "\(directory)/cassettes")
        do {
            engineStore = try given ?? (storeKind == .json ? store : SQLiteStore(path: "\(directory)/tapes.db"))
        } catch {
            origin.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }

        let url: String?
        switch target {
        case .origin(let path): url = origin.baseURL + path
        case .url(let value): url = value
        case .none: url = nil
        }
        var configuration = ProxyConfiguration(mode: mode, upstream: url)
        configure(&configuration)
        upstream = url == nil ? nil : UpstreamClient()
        logPath = logging ? "\(directory)/tapedeck.log" : nil
        logFd = logPath.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? -1
        // The log closes the file after its last batch: closed by the harness, its number could be reused by a store
        // file another test opens while the batcher still has lines for it.
        processLog = ProcessLog(enabled: logFd >= 0, fd: logFd, ownsDescriptor: true)
        engine = ProxyEngine(configuration: configuration, store: engineStore, upstream: upstream, log: processLog, stats: stats)
        server = HTTPServer(
            configuration: HTTPServer.Configuration(
                host: "127.0.0.1", port: 0, eventLoops: eventLoops, limits: limits, errorResponse: BedrockError.forHTTPError),
            handler: engine)
        do {
            try server.start()
        } catch {
            upstream?.shutdown()
            origin.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Shuts everything down and removes the temporary directory; safe to call twice.
    package func stop(graceMs: Int = 2000) {
        server.shutdown(graceMs: graceMs)
        upstream?.shutdown()
        engine.finishRecordings()
        engine.shutdown()
        origin.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Requests

    /// Sends one request on a fresh connection and reads the answer.
    package func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> RawResponse {
        let client = try RawClient(port: port)
        let response = try client.exchange(method, path, headers: headers, body: body)
        // Answers leave before their recording is on disk; tests that look at files read them after it is.
        engine.finishRecordings()
        return response
    }

    /// POSTs `body` (JSON text) to `path` on a fresh connection.
    package func post(_ path: String, body: String, headers: [(String, String)] = []) throws -> RawResponse {
        try request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }

    // MARK: Files

    /// Every line the engine logged so far (empty unless the harness was made with `logging`).
    package func logLines() -> [String] {
        processLog.flush()
        guard let logPath, let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The cassette file for the key a response named in `x-tapedeck-key`.
    package func cassettePath(forKey hex: String) -> String {
        "\(store.directory)/\(hex.prefix(2))/\(hex).json"
    }

    /// The paths of every file below the store directory, sorted.
    package func storedFiles() -> [String] {
        engine.finishRecordings()
        guard let walker = FileManager.default.enumerator(atPath: store.directory) else { return [] }
        var files: [String] = []
        while let name = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = "\(store.directory)/\(name)"
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// The bytes of the file at `path`, or nil.
    package func fileBytes(_ path: String) -> [UInt8]? {
        engine.finishRecordings()
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Writes `bytes` at `path`, creating its directory.
    package func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let parent = String(path[..<path.lastIndex(of: "/")!])
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw SystemError("creat", errno: errno)
        }
    }

    /// Copies every file of `other`'s store into this one's: a later run over the same cassettes.
    package func copyStore(of other: ProxyHarness) throws {
        for file in other.storedFiles() {
            try writeFile(store.directory + file.dropFirst(other.store.directory.count), other.fileBytes(file) ?? [])
        }
    }

    // MARK: Fixtures

    /// Claude 3.5 Haiku's inference-profile id and its path as boto3 encodes it.
    package static let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    package static let haikuPath = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"

    /// A Converse body as boto3 writes it: `", "` and `": "` separators, caller's key order.
    package static let helloBody = #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"maxTokens": 64, "temperature": 0.7}}"#

}

/// A port on 127.0.0.1 that refuses every connection for as long as this value lives.
///
/// The socket stays bound but never listens: the kernel answers a connect with RST (ECONNREFUSED), and no other
/// test can bind the number meanwhile. Closing it early would let a parallel test's origin take the port and
/// receive the traffic that was meant to be refused.
package final class RefusingPort: Sendable {
    package let port: Int
    private let fd: Int32

    package init() throws {
        let fd = try Syscall.call("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        do {
            try withUnsafeMutablePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    _ = try Syscall.call("bind") { bind(fd, socketAddress, length) }
                    _ = try Syscall.call("getsockname") { getsockname(fd, socketAddress, &length) }
                }
            }
        } catch {
            Syscall.close(fd)
            throw error
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Syscall.close(fd) }
}

/// An origin that answers every request like Bedrock's Converse, numbering its answers (`answer 1`, `answer 2`, …).
package final class BedrockOrigin: Sendable {
    private let calls = Mutex(0)

    /// Creates an origin handler state.
    package init() {}

    /// The handler to give `TestOrigin`.
    package var handler: TestOrigin.Handler {
        { [self] _ in
            let call = calls.withLock { count -> Int in
                count += 1
                return count
            }
            return Self.converse(text: "answer \(call)", requestId: "origin-request-\(call)")
        }
    }

    /// Usage every answer reports.
    package static let usage = #"{"inputTokens": 12, "outputTokens": 3, "totalTokens": 15, "cacheReadInputTokens": 4}"#

    /// A Converse answer with AWS's headers, deliberately spaced and ordered unlike Tapedeck's writer.
    package static func converse(text: String, requestId: String) -> TestOrigin.Reply {
        .ok(converseBody(text: text),
            headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", requestId), ("X-Origin-Extra", "kept")])
    }

    /// The body `converse(text:requestId:)` sends.
    package static func converseBody(text: String) -> String {
        #"{"output": {"message": {"role": "assistant", "content": [{"text": "\#(text)"}]}}, "stopReason": "end_turn", "#
            + #""usage": \#(usage), "metrics": {"latencyMs": 321}}"#
    }
}

/// One JSON document parsed from a response or a file, for readable assertions.
package func json(_ bytes: [UInt8]) throws -> JSONValue {
    try JSONParser.parse(bytes)
}

/// Whether two documents are equal as JSON, ignoring member order and spelling (compared in RFC 8785 form).
package func sameJSON(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    do {
        return try JSONWriter.canonical(a) == JSONWriter.canonical(b)
    } catch {
        return false
    }
}

extension JSONValue {
    /// Follows object members, e.g. `value.at("usage", "inputTokens")`; nil where one is missing.
    package func at(_ path: String...) -> JSONValue? {
        var current: JSONValue? = self
        for name in path { current = current?[name] }
        return current
    }
}

/// Blocks until `condition` holds, checking every 2 ms for up to 20 s; answers its last value.
package func waitUntil(_ condition: () -> Bool) -> Bool {
    for _ in 0..<10_000 {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

extension RawClient {
    /// Sends one HTTP/1.1 request with `Host` and `Content-Length` added, and reads the response.
    package func exchange(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> RawResponse {
        try send(method, path, headers: headers, body: body)
        guard let response = try readResponse() else { throw ClosedWithoutAnswer(method: method, path: path) }
        return response
    }

    /// Sends one HTTP/1.1 request with `Host` and `Content-Length` added, and a body as JSON (as Bedrock clients send
    /// it) unless `headers` give its `Content-Type`.
    package func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty && !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            head += "Content-Type: application/json\r\n"
        }
        if method != "GET" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }
}

/// The server closed the connection before a whole response arrived.
struct ClosedWithoutAnswer: Error, CustomStringConvertible {
    let method: String
    let path: String
    var description: String { "connection closed without an answer to \(method) \(path)" }
}

extension RawResponse {
    /// The body parsed as JSON.
    package var json: JSONValue {
        get throws { try JSONParser.parse(body) }
    }

    /// The `message` member of a Bedrock error body.
    package var errorMessage: String? { (try? json)?["message"]?.stringValue }
}
