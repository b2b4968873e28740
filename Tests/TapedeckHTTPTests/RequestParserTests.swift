import Testing
@testable import TapedeckHTTP
import TapedeckTestSupport

@Suite struct RequestParserTests {
    static let boto3Request: [UInt8] = Array((
        "POST /model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse HTTP/1.1\r\n"
        + "Host: 127.0.0.1:8787\r\nAccept-Encoding: identity\r\nContent-Type: application/json\r\n"
        + "User-Agent: Boto3/1.43.11 md/Botocore#1.43.11\r\nX-Amz-Date: 20261125T120000Z\r\n"
        + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc\r\n"
        + "amz-sdk-invocation-id: 1b0c1d6e-0000-4000-8000-000000000000\r\namz-sdk-request: attempt=1\r\n"
        + "Content-Length: 61\r\n\r\n"
        + #"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#
    ).utf8)

    /// Feeds `input` in the given piece sizes, collecting every event; the buffer mimics a connection's.
    static func feed(_ input: [UInt8], pieces: [Int], limits: RequestParser.Limits = .init()) throws(HTTPError) -> [RequestParser.Event] {
        var parser = RequestParser(limits: limits)
        var buffer: [UInt8] = []
        var events: [RequestParser.Event] = []
        var offset = 0
        var pieceIndex = 0
        while offset < input.count {
            let size = min(pieces[pieceIndex % pieces.count], input.count - offset)
            pieceIndex += 1
            buffer.append(contentsOf: input[offset..<(offset + size)])
            offset += size
            while true {
                let (consumed, event) = try buffer.withUnsafeBufferPointer { pointer throws(HTTPError) in try parser.parse(pointer) }
                buffer.removeFirst(consumed)
                guard let event else { break }
                events.append(event)
            }
        }
        return events
    }

    static func requests(_ events: [RequestParser.Event]) -> [HTTPRequest] {
        events.compactMap { if case .request(let r) = $0 { return r } else { return nil } }
    }

    @Test func parsesABoto3RequestWholeByteByByteAndInRandomSplits() throws {
        var splits: [[Int]] = [[Self.boto3Request.count], [1], [2], [7], [4096]]
        var rng = TestSeed.generator()
        for _ in 0..<50 { splits.append((0..<20).map { _ in Int.random(in: 1...40, using: &rng) }) }
        for pieces in splits {
            let context: Comment = "pieces \(pieces), \(TestSeed.replay)"
            let requests: [HTTPRequest]
            do {
                requests = Self.requests(try Self.feed(Self.boto3Request, pieces: pieces))
            } catch {
                Issue.record("\(error), \(context)")
                continue
            }
            #expect(requests.count == 1, context)
            let request = try #require(requests.first, context)
            #expect(request.method == "POST", context)
            #expect(request.path == "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse", context)
            #expect(request.headers["content-type"] == "application/json", context)
            #expect(request.headers["AMZ-SDK-REQUEST"] == "attempt=1", context)
            #expect(request.body == Array(#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#.utf8), context)
            #expect(request.head.keepAlive, context)
        }
    }

    @Test func decodesChunkedBodiesWithExtensionsAndTrailers() throws {
        let input = Array((
            "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n"
        ).utf8)
        for pieces in [[input.count], [1], [3], [11]] {
            let requests = Self.requests(try Self.feed(input, pieces: pieces))
            #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["hello 0123456789"])
        }
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        let one = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let two = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        let three = "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let requests = Self.requests(try Self.feed(Array((one + two + three).utf8), pieces: [1000]))
        #expect(requests.map(\.target) == ["/a", "/b", "/c"])
        #expect(requests[1].body == Array("abc".utf8))
        #expect(!requests[2].head.keepAlive)
    }

    @Test func reportsTheHeadBeforeTheBodyArrives() throws {
        var parser = RequestParser()
        let head = Array("POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n".utf8)
        let (consumed, event) = try head.withUnsafeBufferPointer { p throws(HTTPError) in try parser.parse(p) }
        #expect(consumed == head.count)
        guard case .head(let parsed)? = event else { Issue.record("expected a head event"); return }
        #expect(parsed.expectsContinue)
    }

    @Test func headersBeyondTheLimitAre431EvenWithoutTheirEnd() {
        let huge = Array(("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 70_000)).utf8)
        #expect(throws: HTTPError.self) { try Self.feed(huge, pieces: [1024]) }
        do {
            _ = try Self.feed(huge, pieces: [1024])
        } catch {
            #expect(error.status == 431)
        }
    }

    @Test func aDeclaredBodyOverTheLimitIs413BeforeItIsRead() {
        let head = Array("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000001\r\n\r\n".utf8)
        do {
            _ = try Self.feed(head, pieces: [head.count], limits: .init(maxBodyBytes: 1_000_000))
            Issue.record("expected 413")
        } catch {
            #expect(error.status == 413)
        }
    }

    @Test func aChunkedBodyOverTheLimitIs413() {
        let input = Array("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n".utf8)
        do {
            _ = try Self.feed(input, pieces: [input.count], limits: .init(maxBodyBytes: 10))
            Issue.record("expected 413")
        } catch {
            #expect(error.status == 413)
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", 400),  // no Host
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("GET / FOO/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET /\r\nHost: a\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),  // space before colon
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", 400),
        ("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", 400),
    ])
    func hostileInputGetsTheRightStatus(input: String, status: Int) {
        do {
            _ = try Self.feed(Array(input.utf8), pieces: [1])
            Issue.record("expected \(status) for \(input.debugDescription)")
        } catch {
            #expect(error.status == status, "\(input.debugDescription)")
        }
    }

    @Test func randomGarbageNeverCrashesAndNeverYieldsARequestWithoutAHead() {
        var rng = TestSeed.generator()
        let alphabet = Array("GET POST / HTTP/1.1\r\n:Host: a Content-Length: 5 Transfer-Encoding: chunked 0123456789abcdef;\u{0}".utf8)
        for round in 0..<2000 {
            let input = (0..<Int.random(in: 1...300, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            do {
                _ = try Self.feed(input, pieces: [Int.random(in: 1...17, using: &rng)])
            } catch {
                #expect([400, 413, 431, 501, 505].contains(error.status), "round \(round), \(TestSeed.replay)")
            }
        }
    }

    /// Found by `make fuzz` (http target): a CR at the end of one read and its LF at the start of the next made the
    /// empty line RFC 9112 §2.2 lets a client send before a request count as the request line, and the request a 400.
    @Test func anEmptyLineSplitAcrossReadsBeforeARequestIsIgnored() throws {
        let request = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        let afterABody = Array((request + "\r\n" + request).utf8)
        for input in [Array(("\r\n" + request).utf8), Array(("\r\n\r\n" + request).utf8)] {
            for pieces in [[1], [3], [input.count]] {
                let requests = Self.requests(try Self.feed(input, pieces: pieces))
                #expect(requests.map(\.target) == ["/b"], "pieces \(pieces)")
            }
        }
        // The CR is the last byte of the read that completed the first request's body.
        let cut = request.utf8.count + 1
        let requests = Self.requests(try Self.feed(afterABody, pieces: [cut, afterABody.count]))
        #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["abc", "abc"])
    }

    /// Found by `make fuzz` (http target): a chunk-size line of exactly the limit, cut between its CR and LF, was
    /// refused as too long because the CR was counted as part of the line.
    @Test func aChunkSizeLineAtTheLimitCutBeforeItsLFIsAccepted() throws {
        let limits = RequestParser.Limits(maxChunkLineBytes: 16)
        let line = "5;ext=0123456789"
        #expect(line.utf8.count == limits.maxChunkLineBytes)
        let head = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let input = Array((head + line + "\r\nhello\r\n0\r\n\r\n").utf8)
        let cut = head.utf8.count + line.utf8.count + 1
        for pieces in [[input.count], [cut, input.count], [1]] {
            let requests = Self.requests(try Self.feed(input, pieces: pieces, limits: limits))
            #expect(requests.map(\.body) == [Array("hello".utf8)], "pieces \(pieces)")
        }
        let longer = Array((head + "5;ext=0123456789A\r\nhello\r\n0\r\n\r\n").utf8)
        #expect(throws: HTTPError.badRequest("chunk size line too long")) { try Self.feed(longer, pieces: [cut + 1, longer.count], limits: limits) }
    }

    @Test func absoluteFormTargetsKeepOnlyThePath() throws {
        let input = Array("GET http://example.com:8787/model/m/converse?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8)
        let request = try #require(Self.requests(try Self.feed(input, pieces: [input.count])).first)
        #expect(request.target == "/model/m/converse?x=1")
        #expect(request.path == "/model/m/converse")
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let plain = Self.requests(try Self.feed(Array("GET / HTTP/1.0\r\n\r\n".utf8), pieces: [100]))
        let asked = Self.requests(try Self.feed(Array("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8), pieces: [100]))
        #expect(plain.first?.head.keepAlive == false)
        #expect(asked.first?.head.keepAlive == true)
    }

    @Test func aLargeBodyIsReadIntoOneBufferOfItsLengthWhateverTheSplits() throws {
        let body = (0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let input = Array("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        for pieces in [[input.count], [65536], [1000, 70001]] {
            let request = try #require(Self.requests(try Self.feed(input, pieces: pieces)).first)
            #expect(request.body == body, "pieces \(pieces)")
            #expect(request.body.capacity < body.count + (1 << 20), "no doubling past the announced length, pieces \(pieces)")
        }
    }
}

