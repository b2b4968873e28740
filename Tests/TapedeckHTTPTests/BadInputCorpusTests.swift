import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
import TapedeckTestSupport

/// Malformed requests from `Corpus/bad-requests/`, each sent byte for byte over a real socket to a whole proxy.
///
/// Every file is one request (written by `BadInputCorpus.files`; `TAPEDECK_UPDATE_CORPUS=1` rewrites the directory,
/// never edit it by hand). For each: the answer is a 4xx carrying `x-amzn-ErrorType` and a JSON `{"message": …}`
/// (or, where `expectations` allows it, the connection closes with no answer), a good request on a fresh connection
/// still gets 200 afterwards, and the origin never saw the bad request.
@Suite(.serialized) struct BadInputCorpusTests {
    /// What a corpus file must get.
    enum Expectation: Sendable {
        /// A 4xx error in Bedrock's shape; `status` pins the code when given.
        case error(Int?)
        /// A 4xx error in Bedrock's shape, or the connection closed without any answer (a request cut short).
        case errorOrClose
        /// RFC 9110 §15.6.6 / RFC 9112 §2.3: 505 HTTP Version Not Supported, the one 5xx allowed, still in Bedrock's shape.
        case versionNotSupported
    }

    /// One expectation per corpus file, by file name.
    static let expectations: [String: Expectation] = [
        "truncated-headers.http": .errorOrClose,
        "truncated-headers-no-blank-line.http": .errorOrClose,
        "chunk-size-zz.http": .error(400),
        "chunk-size-overflow.http": .error(nil),
        "chunk-size-negative.http": .error(400),
        "content-length-with-transfer-encoding.http": .error(400),
        "content-length-negative.http": .error(400),
        "content-length-overflow.http": .error(nil),
        "header-bare-cr.http": .error(400),
        "header-bare-lf-in-value.http": .error(400),
        "header-nul.http": .error(400),
        "header-obs-fold.http": .error(400),
        "target-invalid-utf8-raw.http": .error(400),
        "target-invalid-utf8-percent.http": .error(400),
        "body-invalid-utf8.http": .error(400),
        "json-nested-10000.http": .error(400),
        "json-100000-keys.http": .error(400),
        "json-100000-keys-duplicate.http": .error(400),
        "json-number-1e999999.http": .error(400),
        "json-number-5000-digits.http": .error(400),
        "json-lone-surrogate.http": .error(400),
        "model-id-10000.http": .error(400),
        "body-nul-bytes.http": .error(400),
        "body-array.http": .error(400),
        "body-string.http": .error(400),
        "body-null.http": .error(400),
        "body-empty.http": .error(400),
        "http-version-2.0.http": .versionNotSupported,
        "header-70kb.http": .error(431),
        "unknown-method.http": .error(405),
    ]

    /// Words the error message must contain, where which rule refused the request matters.
    static let messageContains: [String: String] = [
        "json-nested-10000.http": "nesting deeper than the limit",
        "json-100000-keys.http": "object has more than the limit of 10000 members",
        "json-100000-keys-duplicate.http": "object has more than the limit of 10000 members",
        "target-invalid-utf8-raw.http": "request target",
    ]

    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Corpus/bad-requests").path
    }

    @Test func corpusMatchesGenerator() throws {
        let generated = BadInputCorpus.files()
        if ProcessInfo.processInfo.environment["TAPEDECK_UPDATE_CORPUS"] == "1" {
            try? FileManager.default.removeItem(atPath: Self.directory)
            try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
            for (name, bytes) in generated {
                #expect(FileManager.default.createFile(atPath: "\(Self.directory)/\(name)", contents: Data(bytes)))
            }
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.directory).sorted()
        #expect(onDisk == generated.map(\.name).sorted(), "TAPEDECK_UPDATE_CORPUS=1 rewrites Corpus/bad-requests")
        #expect(Set(onDisk) == Set(Self.expectations.keys), "every corpus file needs an expectation, and back")
        for (name, bytes) in generated {
            let stored = FileManager.default.contents(atPath: "\(Self.directory)/\(name)").map { [UInt8]($0) }
            #expect(stored == bytes, "\(name) differs from its generator (TAPEDECK_UPDATE_CORPUS=1 rewrites it)")
        }
    }

    @Test func everyBadRequestIsRefusedAndTheServerStaysUp() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        // Prime the store so later good requests are hits and the origin count moves only for what reaches it.
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(first.status == 200)

        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory).sorted()
        #expect(names.count == Self.expectations.count)
        var observed: [String] = []
        for name in names {
            let bytes = try #require(FileManager.default.contents(atPath: "\(Self.directory)/\(name)").map { [UInt8]($0) })
            let expectation = try #require(Self.expectations[name], "no expectation for \(name)")
            let before = proxy.origin.requests.count
            let outcome = try Self.send(bytes, port: proxy.port)
            observed.append("\(name): \(outcome)")

            switch (expectation, outcome) {
            case (.errorOrClose, .closed):
                break
            case (.error(let status), .answered(let response)):
                Self.checkError(response, status: status, name: name)
                if let words = Self.messageContains[name] {
                    #expect(response.errorMessage?.contains(words) == true, "\(name): \(response.text.prefix(300))")
                }
            case (.versionNotSupported, .answered(let response)):
                Self.checkError(response, status: 505, name: name, range: 505..<506)
            case (.errorOrClose, .answered(let response)):
                Self.checkError(response, status: nil, name: name)
            case (_, .closed), (_, .reset):
                Issue.record("\(name): expected an error answer, got \(outcome)")
            }

            // The origin saw nothing from a bad request.
            engineSettle(proxy)
            #expect(proxy.origin.requests.count == before, "\(name): origin was called \(proxy.origin.requests.count - before) times")

            // The server is still up and still serves a good request on a new connection.
            let good = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(good.status == 200, "after \(name): good request got \(good.status) \(good.text.prefix(200))")
        }
        print("BadInputCorpus observed:\n" + observed.joined(separator: "\n"))
    }

    private func engineSettle(_ proxy: ProxyHarness) { proxy.engine.finishRecordings() }

    /// A 4xx in Bedrock's shape: `x-amzn-ErrorType` and a JSON object with a string `message`.
    static func checkError(_ response: RawResponse, status: Int?, name: String, range: Range<Int> = 400..<500) {
        if let status {
            #expect(response.status == status, "\(name): \(response.status) \(response.text.prefix(300))")
        }
        #expect(range.contains(response.status), "\(name): \(response.status) \(response.text.prefix(300))")
        #expect(response.headers["x-amzn-ErrorType"] != nil, "\(name): no x-amzn-ErrorType")
        do {
            let body = try JSONParser.parse(response.body)
            #expect(body["message"]?.stringValue != nil, "\(name): no message in \(response.text.prefix(300))")
        } catch {
            Issue.record("\(name): body is not JSON (\(error)): \(response.text.prefix(300))")
        }
    }

    /// What became of one raw request.
    enum Outcome: CustomStringConvertible {
        case answered(RawResponse)
        case closed
        case reset(String)

        var description: String {
            switch self {
            case .answered(let r): "\(r.status) \(r.headers["x-amzn-ErrorType"] ?? "-")"
            case .closed: "closed without answer"
            case .reset(let why): "reset (\(why))"
            }
        }
    }

    /// Sends `bytes` on a fresh connection, half-closes, and reads one answer.
    static func send(_ bytes: [UInt8], port: Int) throws -> Outcome {
        let client = try RawClient(port: port)
        do {
            try client.send(bytes)
        } catch {
            // The server may answer (e.g. 431) and close before it has read everything; the answer can still be read.
        }
        client.shutdownWrite()
        do {
            guard let response = try client.readResponse() else { return .closed }
            return .answered(response)
        } catch {
            return .reset("\(error)")
        }
    }
}

/// The generator of `Corpus/bad-requests/`: one malformed request per file.
enum BadInputCorpus {
    static let path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"

    /// A request with `Host`, and `Content-Length` for `body` unless `contentLength` is false.
    static func request(
        method: String = "POST", target: [UInt8] = Array(path.utf8), version: String = "HTTP/1.1",
        headers: [[UInt8]] = [], body: [UInt8] = [], contentLength: Bool = true
    ) -> [UInt8] {
        var bytes = Array(method.utf8) + [32] + target + [32] + Array(version.utf8) + Array("\r\n".utf8)
        bytes += Array("Host: 127.0.0.1\r\nContent-Type: application/json\r\n".utf8)
        for header in headers { bytes += header + Array("\r\n".utf8) }
        if contentLength { bytes += Array("Content-Length: \(body.count)\r\n".utf8) }
        return bytes + Array("\r\n".utf8) + body
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let hello = Array(ProxyHarness.helloBody.utf8)

    /// A chunked request whose one chunk has the size line `size`.
    static func chunked(size: String) -> [UInt8] {
        request(headers: [Array("Transfer-Encoding: chunked".utf8)], contentLength: false)
            + Array("\(size)\r\n".utf8) + hello + Array("\r\n0\r\n\r\n".utf8)
    }

    /// A valid Converse body with `extra` members before `messages`.
    static func withMembers(_ extra: String) -> [UInt8] {
        json(#"{\#(extra), "messages": [{"role": "user", "content": [{"text": "Hello"}]}]}"#)
    }

    static func files() -> [(name: String, bytes: [UInt8])] {
        var keys = ""
        keys.reserveCapacity(1_300_000)
        for i in 0..<100_000 { keys += "\"k\(i)\": 0, " }
        let manyKeys = #"{\#(keys)"messages": [{"role": "user", "content": [{"text": "Hello"}]}]}"#
        let manyKeysDuplicate = #"{\#(keys)"k99999": 1, "messages": []}"#
        let digits = "9" + String(repeating: "1234567890", count: 500)

        return [
            ("truncated-headers.http", Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".utf8)),
            ("truncated-headers-no-blank-line.http", Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n".utf8)),
            ("chunk-size-zz.http", chunked(size: "zz")),
            ("chunk-size-overflow.http", chunked(size: "fffffffffffffffffff")),
            ("chunk-size-negative.http", chunked(size: "-5")),
            ("content-length-with-transfer-encoding.http",
             request(headers: [Array("Content-Length: \(hello.count)".utf8), Array("Transfer-Encoding: chunked".utf8)],
                     contentLength: false)
                + Array(String(hello.count, radix: 16).utf8) + Array("\r\n".utf8) + hello + Array("\r\n0\r\n\r\n".utf8)),
            ("content-length-negative.http",
             request(headers: [Array("Content-Length: -1".utf8)], body: hello, contentLength: false)),
            ("content-length-overflow.http",
             request(headers: [Array("Content-Length: 99999999999999999999999999".utf8)], body: hello, contentLength: false)),
            ("header-bare-cr.http", request(headers: [Array("X-Note: a\rInjected: b".utf8)], body: hello)),
            ("header-bare-lf-in-value.http", request(headers: [Array("X-Note: a\nInjected: b".utf8)], body: hello)),
            ("header-nul.http", request(headers: [Array("X-Note: a".utf8) + [0] + Array("b".utf8)], body: hello)),
            ("header-obs-fold.http", request(headers: [Array("X-Note: a\r\n folded".utf8)], body: hello)),
            ("target-invalid-utf8-raw.http",
             request(target: Array("/model/us.anthropic.".utf8) + [0xFF, 0xFE, 0xC3] + Array("/converse".utf8), body: hello)),
            ("target-invalid-utf8-percent.http", request(target: Array("/model/us.anthropic.%FF%FE%C3/converse".utf8), body: hello)),
            ("body-invalid-utf8.http",
             request(body: json(#"{"messages": [{"role": "user", "content": [{"text": "#) + [0xFF, 0xC0, 0xAF]
                        + json(#""}]}]}"#))),
            ("json-nested-10000.http", request(body: json(String(repeating: "[", count: 10_000)))),
            ("json-100000-keys.http", request(body: json(manyKeys))),
            ("json-100000-keys-duplicate.http", request(body: json(manyKeysDuplicate))),
            ("json-number-1e999999.http", request(body: withMembers(#""n": 1e999999"#))),
            ("json-number-5000-digits.http", request(body: withMembers(#""n": \#(digits)"#))),
            ("json-lone-surrogate.http",
             request(body: json(#"{"messages": [{"role": "user", "content": [{"text": "\ud800"}]}]}"#))),
            ("model-id-10000.http",
             request(target: Array("/model/\(String(repeating: "m", count: 10_000))/converse".utf8), body: hello)),
            ("body-nul-bytes.http",
             request(body: json(#"{"messages": [{"role": "user", "content": [{"text": "a"#) + [0, 0] + json(#"b"}]}]}"#))),
            ("body-array.http", request(body: json("[]"))),
            ("body-string.http", request(body: json(#""x""#))),
            ("body-null.http", request(body: json("null"))),
            ("body-empty.http", request(body: [])),
            ("http-version-2.0.http", request(version: "HTTP/2.0", body: hello)),
            ("header-70kb.http", request(headers: [Array("X-Big: \(String(repeating: "a", count: 70 * 1024))".utf8)], body: hello)),
            ("unknown-method.http", request(method: "BREW", body: hello)),
        ]
    }
}
