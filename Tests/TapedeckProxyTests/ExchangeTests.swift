import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// The answering side of one request: the `x-tapedeck*` headers a client reads, the log line and counts an
/// operator reads, and answers handed over from threads other than the connection's loop.
///
/// Exchanges need a real responder, so each belongs to a request parked on a real server by `ParkedRequests`.
@Suite struct ExchangeTests {
    static let key = CacheKey(hex: String(repeating: "ab", count: 32))!
    static let servedKey = CacheKey(hex: String(repeating: "cd", count: 32))!
    static let answer = HTTPResponse(
        status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(#"{"ok":true}"#.utf8))

    /// The `x-tapedeck*` headers of `response`, in a fixed order, nil where absent.
    private static func tapedeckHeaders(_ response: RawResponse) -> [String?] {
        ["x-tapedeck", "x-tapedeck-key", "x-tapedeck-served-as", "x-tapedeck-expired", "x-tapedeck-coalesced"].map {
            response.headers[$0]
        }
    }

    @Test func tapedecksHeadersSayWhatTheDispositionSaysAndNothingMore() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        var recorded = Exchange.Disposition(.hit)
        recorded.servedAs = .recorded
        var expiredElsewhere = Exchange.Disposition(.hit)
        expiredElsewhere.expired = true
        expiredElsewhere.servedKey = Self.servedKey
        expiredElsewhere.servedNamespace = ""
        var coalesced = Exchange.Disposition(.miss)
        coalesced.coalesced = true
        var failed = Exchange.Disposition(.miss)
        failed.upstreamFailed = true
        let cases: [(Exchange.Disposition, [String?])] = [
            (Exchange.Disposition(.miss), ["miss", Self.key.hex, nil, nil, nil]),
            (recorded, ["hit", Self.key.hex, "recorded", nil, nil]),
            (expiredElsewhere, ["hit", Self.servedKey.hex, nil, "true", nil]),
            (coalesced, ["miss", Self.key.hex, nil, nil, "true"]),
            (failed, ["miss", Self.key.hex, nil, nil, nil]),
            (Exchange.Disposition(.record), ["record", Self.key.hex, nil, nil, nil]),
        ]
        for (disposition, expected) in cases {
            let parked = try requests.exchange(key: Self.key)
            parked.exchange.send(Self.answer, disposition)
            let response = try #require(try parked.client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == #"{"ok":true}"#)
            #expect(Self.tapedeckHeaders(response) == expected, "\(disposition)")
        }
    }

    @Test func aRequestRefusedBeforeItHasAKeyGetsNoTapedeckHeaders() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try requests.exchange()
        let keyless = Exchange(
            request: parked.exchange.request, responder: parked.exchange.responder, log: ProcessLog(enabled: false),
            stats: ProxyStats(), ledger: nil)
        keyless.fail(.validation("x-tapedeck-mode must be one of auto, replay, record, passthrough"))
        let response = try #require(try parked.client.readResponse())
        #expect(response.status == 400)
        #expect(response.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(Self.tapedeckHeaders(response) == [nil, nil, nil, nil, nil])
    }

    @Test func theLogLineCarriesOutcomeStatusKeyNamespaceAndBytesOut() throws {
        let pipe = try LogPipe()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let whole = try requests.exchange(key: Self.key, namespace: "team-a", log: pipe.log)
        let streamed = try requests.exchange(key: Self.key, operation: .converseStream, namespace: "team-a", log: pipe.log)
        whole.exchange.send(Self.answer, Exchange.Disposition(.record))
        _ = try #require(try whole.client.readResponse())
        streamed.exchange.startStream(HTTPResponse(status: 200), Exchange.Disposition(.miss))
        for piece in ["12345", "678", "9"] { streamed.exchange.sendChunk(Array(piece.utf8)) }
        streamed.exchange.endStream(status: 200, Exchange.Disposition(.miss))
        #expect(try streamed.client.readStream().finished)

        let lines = pipe.lines()
        #expect(lines.count == 2)
        let wholeLine = try #require(lines.first { $0["path"] == String(whole.exchange.request.path) })
        #expect(wholeLine["msg"] == "request")
        #expect(wholeLine["outcome"] == "record")
        #expect(wholeLine["status"] == "200")
        #expect(wholeLine["key"] == Self.key.prefix)
        #expect(wholeLine["namespace"] == "team-a")
        #expect(wholeLine["model"] == ProxyHarness.haiku)
        #expect(wholeLine["operation"] == "converse")
        #expect(wholeLine["bytes_out"] == String(Self.answer.body.count))
        let streamLine = try #require(lines.first { $0["path"] == String(streamed.exchange.request.path) })
        #expect(streamLine["outcome"] == "miss")
        #expect(streamLine["operation"] == "converse-stream")
        #expect(streamLine["bytes_out"] == "9", "a stream's chunks add up")
    }

    @Test func theAnswerToHeadHasNoBodyAndCountsNoBytesOut() throws {
        let pipe = try LogPipe()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let head = try requests.exchange(method: "HEAD", log: pipe.log)
        let get = try requests.exchange(method: "GET", log: pipe.log)
        head.exchange.send(Self.answer, Exchange.Disposition(.hit))
        get.exchange.send(Self.answer, Exchange.Disposition(.hit))
        let headResponse = try #require(try head.client.readResponse(bodyless: true))
        let getResponse = try #require(try get.client.readResponse())
        #expect(headResponse.headers["x-tapedeck"] == "hit")
        #expect(headResponse.headers["Content-Length"] == String(Self.answer.body.count))
        #expect(getResponse.body == Self.answer.body)

        let lines = pipe.lines()
        #expect(lines.first { $0["method"] == "HEAD" }?["bytes_out"] == "0")
        #expect(lines.first { $0["method"] == "GET" }?["bytes_out"] == String(Self.answer.body.count))
    }

    @Test func aStreamHandedOverFromAnotherThreadArrivesWholeAndInOrder() throws {
        let pipe = try LogPipe()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try requests.exchange(key: Self.key, operation: .converseStream, log: pipe.log)
        let chunks = (0..<200).map { Array("chunk \($0);".utf8) }
        let exchange = parked.exchange
        Thread {
            exchange.startStream(
                HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])), Exchange.Disposition(.miss))
            for chunk in chunks { exchange.sendChunk(chunk) }
            exchange.endStream(status: 200, Exchange.Disposition(.miss))
        }.start()

        let stream = try parked.client.readStream()
        #expect(stream.head.hasPrefix("HTTP/1.1 200"))
        #expect(stream.head.contains("x-tapedeck: miss"))
        #expect(stream.head.contains("Content-Type: application/vnd.amazon.eventstream"))
        #expect(stream.chunks == chunks)
        #expect(stream.finished)
        #expect(pipe.lines().first?["bytes_out"] == String(chunks.map(\.count).reduce(0, +)))
    }

    @Test func answersSentFromAQueueReachTheirOwnClients() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<8).map { _ in try requests.exchange(key: Self.key) }
        let exchanges = parked.map(\.exchange)
        DispatchQueue.concurrentPerform(iterations: exchanges.count) { index in
            exchanges[index].send(
                HTTPResponse(status: 200, headers: HTTPHeaders(), body: Array("answer \(index)".utf8)), Exchange.Disposition(.miss))
        }
        for (index, request) in parked.enumerated() {
            let response = try #require(try request.client.readResponse())
            #expect(response.text == "answer \(index)")
            #expect(response.headers["x-tapedeck"] == "miss")
        }
    }

    @Test func aCutStreamEndsWithoutTheLastChunkAndIsStillLogged() throws {
        let pipe = try LogPipe()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try requests.exchange(operation: .converseStream, log: pipe.log)
        parked.exchange.startStream(HTTPResponse(status: 200), Exchange.Disposition(.miss))
        parked.exchange.sendChunk(Array("first".utf8))
        parked.exchange.sendChunk(Array("second".utf8))
        parked.exchange.endStream(status: 200, Exchange.Disposition(.miss), cut: true)

        let stream = try parked.client.readStream()
        #expect(stream.chunks == [Array("first".utf8), Array("second".utf8)])
        #expect(!stream.finished, "the connection closed without the zero-size last chunk")
        let lines = pipe.lines()
        #expect(lines.map { $0["outcome"] } == ["miss"])
        #expect(lines.first?["bytes_out"] == "11")
    }

    @Test func statsCountEachAnswerByItsOutcome() throws {
        let stats = ProxyStats()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        var saved = Exchange.Disposition(.hit)
        saved.saved = TokenUsage(inputTokens: 12, outputTokens: 3)
        var failed = Exchange.Disposition(.miss)
        failed.upstreamFailed = true
        let answers: [Exchange.Disposition] = [saved, saved, Exchange.Disposition(.miss), failed, Exchange.Disposition(.record)]
        for disposition in answers {
            let parked = try requests.exchange(stats: stats)
            parked.exchange.send(Self.answer, disposition)
            _ = try #require(try parked.client.readResponse())
        }
        let refused = try requests.exchange(stats: stats)
        refused.exchange.fail(.validation("request body must be a JSON object"))
        _ = try #require(try refused.client.readResponse())

        let snapshot = stats.snapshot()
        #expect(snapshot.requests == [.hit: 2, .miss: 2, .record: 1, .error: 1])
        let model = try #require(snapshot.models[ProxyHarness.haiku])
        #expect(model.hits == 2)
        #expect(model.misses == 3, "miss and record both went upstream")
        #expect(model.upstreamErrors == 1)
        #expect(model.tokensSaved == TokenUsage(inputTokens: 24, outputTokens: 6))
    }
}
