import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckProxy
import TapedeckTestSupport
@testable import TapedeckBedrock

/// Upstream failing in every way a network can, for Converse and ConverseStream alike: the client gets a clear
/// error in Bedrock's shape (or the cut-short stream it was already reading), nothing is recorded, the log says
/// why, and the next request works.
@Suite(.tags(.slow)) struct ProxyEngineFaultSlowTests {
    /// One way upstream fails.
    enum Fault: String, CaseIterable, Sendable {
        /// Nothing listens: the connect is refused.
        case refused
        /// The request is read, then the connection is reset (RST).
        case reset
        /// The request is read and never answered: `--upstream-timeout` ends the wait.
        case timeout
        /// A 200 whose Content-Length promises more than is sent before the connection closes.
        case closedMidBody
        /// A chunked 200 carrying the first event-stream frames, then the connection closes.
        case closedMidStream

        /// Words the client's error and the log line carry (curl's detailed message for the cause).
        var cause: String {
            switch self {
            case .refused: "Couldn't connect to server"
            case .reset: "Connection reset by peer"
            case .timeout: "timed out after 1"
            case .closedMidBody: "bytes remaining to read"
            case .closedMidStream: "outstanding read data remaining"
            }
        }

        /// Whether the origin's 200 head (and so a live stream) reaches the client before the failure.
        var headArrives: Bool { self == .closedMidBody || self == .closedMidStream }
    }

    /// One fault on one operation.
    struct Case: Sendable, CustomTestStringConvertible {
        let fault: Fault
        let stream: Bool
        var testDescription: String { "\(fault.rawValue) on \(stream ? "converse-stream" : "converse")" }
    }

    static let cases = Fault.allCases.flatMap { fault in [false, true].map { Case(fault: fault, stream: $0) } }

    static let streamPath = StreamFrames.streamPath
    static let faultBody = #"{"messages": [{"role": "user", "content": [{"text": "this one fails upstream"}]}]}"#
    /// The frames a stream answer carries; the faulty one sends the first three.
    static let frames = StreamFrames.text(["Hello", " there"])
    static let converseBody = Array(BedrockOrigin.converseBody(text: "fine").utf8)

    /// What a faulty origin sends instead of an answer.
    static func faultyReply(_ fault: Fault, stream: Bool) -> TestOrigin.Reply {
        let whole = stream ? frames.flatMap { $0 } : converseBody
        let contentType = stream ? "application/vnd.amazon.eventstream" : "application/json"
        switch fault {
        case .refused:
            preconditionFailure("a refused connection never reaches the origin")
        case .reset:
            return .reset
        case .timeout:
            // stop() cuts the delay short; the proxy's 1 s timeout fires long before.
            return BedrockOrigin.converse(text: "too late", requestId: "late").delayed(by: 600_000)
        case .closedMidBody:
            return .truncated(headers: [("Content-Type", contentType)], declaredLength: whole.count, sent: Array(whole.prefix(whole.count / 2)))
        case .closedMidStream:
            let chunks = stream ? frames.prefix(3).map { TestOrigin.Chunk($0) } : [TestOrigin.Chunk(Array(converseBody.prefix(30)))]
            return .chunkedCutOff(headers: [("Content-Type", contentType)], chunks: chunks)
        }
    }

    /// What the client received of a faulty stream before the cut: exactly the origin's first bytes.
    static func sentBeforeTheCut(_ fault: Fault) -> [UInt8] {
        let whole = frames.flatMap { $0 }
        return fault == .closedMidBody ? Array(whole.prefix(whole.count / 2)) : frames.prefix(3).flatMap { $0 }
    }

    @Test(arguments: cases)
    func aFailingUpstreamGivesAClearErrorRecordsNothingLogsWhyAndTheNextRequestWorks(_ test: Case) throws {
        let healthy = Mutex(false)
        let refusing = test.fault == .refused ? try RefusingPort() : nil
        defer { withExtendedLifetime(refusing) {} }
        let upstream: ProxyHarness.Upstream = refusing.map { .url("http://127.0.0.1:\($0.port)") } ?? .origin()
        let proxy = try ProxyHarness(upstream: upstream, logging: true, configure: { $0.upstreamTimeoutSeconds = 1 }, origin: { request in
            guard healthy.withLock({ $0 }) else { return Self.faultyReply(test.fault, stream: test.stream) }
            return request.path.hasSuffix("/converse-stream")
                ? .chunked(headers: StreamFrames.eventStream, chunks: Self.frames.map { TestOrigin.Chunk($0) })
                : .response(headers: [("Content-Type", "application/json")], body: Self.converseBody)
        })
        defer { proxy.stop() }
        // A cassette recorded earlier, to show that hits go on being served whatever upstream does.
        let earlier = CassetteFixtures.cassette("recorded before upstream broke")
        try proxy.store.save(earlier)
        let path = test.stream ? Self.streamPath : ProxyHarness.haikuPath

        let client = try RawClient(port: proxy.port)
        try client.send("POST", path, headers: [("Content-Type", "application/json")], body: Array(Self.faultBody.utf8))
        let key: String
        if test.stream && test.fault.headArrives {
            let (head, chunks, finished) = try client.readStream()
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(head.contains("x-tapedeck: miss"))
            #expect(!finished, "the stream is cut short, never ended with a last chunk")
            #expect(chunks.flatMap { $0 } == Self.sentBeforeTheCut(test.fault), "the client got what upstream sent, nothing more")
            key = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("x-tapedeck-key: ") }.map { String($0.dropFirst(16)) })
        } else {
            let response = try #require(try client.readResponse())
            #expect(response.status == 502)
            #expect(response.headers["x-amzn-ErrorType"] == "BadGatewayException")
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.headers["x-tapedeck"] == "miss")
            let message = try #require(response.errorMessage, "\(response.text)")
            #expect(message.contains(test.fault.cause), "\(message)")
            #expect(message.contains("http://127.0.0.1:"), "the message names the upstream: \(message)")
            key = try #require(response.headers["x-tapedeck-key"])
        }

        #expect(proxy.storedFiles() == [proxy.cassettePath(forKey: earlier.key.hex)], "nothing of the failed call is recorded")
        let prefix = String(key.prefix(12))
        let why = proxy.logLines().filter { $0.contains("not recorded") && $0.contains(prefix) }
        #expect(why.count == 1, "one line says why the key was not recorded: \(proxy.logLines())")
        #expect(why.first?.contains(test.fault.cause) == true, "\(proxy.logLines())")
        let stats = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/stats").body)
        #expect(stats["upstreamErrors"]?.numberLiteral == "1")

        let hit = try proxy.post("/model/\(BedrockRoute.encodePathSegment(earlier.modelId))/converse", body: String(decoding: JSONWriter.compact(earlier.request), as: UTF8.self))
        #expect(hit.status == 200)
        #expect(hit.headers["x-tapedeck"] == "hit")
        guard refusing == nil else { return }
        healthy.withLock { $0 = true }
        let retried = try proxy.post(path, body: Self.faultBody)
        #expect(retried.status == 200)
        #expect(retried.headers["x-tapedeck"] == "miss", "the failed call left nothing to replay")
        #expect(retried.body == (test.stream ? Self.frames.flatMap { $0 } : Self.converseBody))
        #expect(proxy.fileBytes(proxy.cassettePath(forKey: key)) != nil, "the same request records once upstream answers")
        #expect(try proxy.post(path, body: Self.faultBody).headers["x-tapedeck"] == "hit")
    }
}
