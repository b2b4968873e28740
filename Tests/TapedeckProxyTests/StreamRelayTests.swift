import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// A live ConverseStream relay driven by hand, as the upstream client's thread would drive it: what every client
/// in the flight receives, and which streams end up recorded in the engine's store.
///
/// The engine is a real one (`ProxyHarness`); the clients are requests parked on a real server (`ParkedRequests`).
@Suite struct StreamRelayTests {
    static let key = CacheKey(hex: String(repeating: "5e", count: 32))!

    /// What the relay under test answers and records.
    private struct Subject {
        let proxy: ProxyHarness
        let requests: ParkedRequests
        let relay: StreamRelay
        let clients: [RawClient]
        let key: CacheKey

        /// A relay for a flight of `clients` requests for `key`, recording into the store of a proxy of its own;
        /// `stop()` stops both.
        init(key: CacheKey = StreamRelayTests.key, clients: Int = 2) throws {
            try self.init(proxy: ProxyHarness(logging: true), requests: ParkedRequests(), key: key, clients: clients)
        }

        /// A relay for a flight of `clients` requests for `key`, recording into the engine's store.
        init(proxy: ProxyHarness, requests: ParkedRequests, key: CacheKey, clients: Int) throws {
            self.proxy = proxy
            self.requests = requests
            self.key = key
            let parked = try (0..<clients).map { _ in
                try requests.exchange(key: key, operation: .converseStream, store: proxy.engineStore, stats: proxy.engine.stats)
            }
            let flight = Flight(leader: parked[0].exchange, resolved: parked[0].resolved)
            for follower in parked.dropFirst() { flight.add(follower: follower.exchange) }
            relay = StreamRelay(
                engine: proxy.engine, flight: flight,
                body: KeyedRequest(operation: .converseStream, modelId: ProxyHarness.haiku, body: .json(try json(Array(ProxyHarness.helloBody.utf8)))),
                record: true,
                outcome: .miss)
            self.clients = parked.map(\.client)
        }

        /// Stops the parked requests' server and the proxy.
        func stop() {
            requests.stop()
            proxy.stop()
        }

        /// Hands the relay a 200 event-stream head, then `pieces` one at a time, then the transfer's end.
        func feed(_ pieces: [[UInt8]], finish: Result<Int, CurlError> = .success(321)) {
            relay.upstreamDidReceiveHead(
                status: 200,
                headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream"), ("x-amzn-RequestId", "stream-1")]))
            for piece in pieces { relay.upstreamDidReceive(piece) }
            relay.upstreamDidFinish(finish)
        }

        /// The cassette the store holds for the key once every recording is written, if any.
        func recorded() throws -> Cassette? {
            proxy.engine.finishRecordings()
            return try proxy.engineStore.load(key)
        }

        /// The reasons the engine logged for streams it did not record.
        func notRecordedReasons() -> [String] {
            proxy.logLines().compactMap(LogLines.text).filter { $0["msg"] == "not recorded" }.compactMap { $0["reason"] }
        }
    }

    /// Each event as `type payload`, the payload in RFC 8785 form: what a recording of the stream must hold, in order,
    /// whatever member order the store writes and whenever each event arrived.
    private static func summary(_ events: [StreamEvent]?) throws -> [String]? {
        try events?.map { "\($0.type) \(String(decoding: try JSONWriter.canonical($0.payload), as: UTF8.self))" }
    }

    /// The summary of the frames in `bytes`, as upstream sent them.
    private static func summary(of bytes: [UInt8]) throws -> [String]? {
        try summary(StreamFrames.decode(bytes).map { message in
            StreamEvent(type: message.stringHeader(":event-type") ?? "?", payload: try JSONParser.parse(message.payload))
        })
    }

    @Test func aCompleteStreamReachesEveryClientAndIsRecordedInOrder() throws {
        let subject = try Subject(clients: 3)
        defer { subject.stop() }
        let frames = StreamFrames.text(["Hel", "lo", " there"])
        subject.feed(frames)

        for (index, client) in subject.clients.enumerated() {
            let stream = try client.readStream()
            #expect(stream.head.hasPrefix("HTTP/1.1 200"))
            #expect(stream.head.contains("x-amzn-RequestId: stream-1"))
            #expect(stream.head.contains("x-tapedeck: miss"))
            #expect(stream.head.contains("x-tapedeck-coalesced: true") == (index > 0))
            #expect(stream.chunks.flatMap { $0 } == frames.flatMap { $0 })
            #expect(stream.finished)
        }
        let cassette = try #require(try subject.recorded())
        #expect(cassette.key == Self.key)
        #expect(cassette.operation == .converseStream)
        #expect(cassette.modelId == ProxyHarness.haiku)
        #expect(sameJSON(cassette.request, try json(Array(ProxyHarness.helloBody.utf8))))
        #expect(cassette.upstreamLatencyMs == 321)
        #expect(cassette.response.status == 200)
        #expect(cassette.response.contentType == "application/vnd.amazon.eventstream")
        #expect(cassette.response.events?.map(\.type) == [
            "messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
        ])
        #expect(try Self.summary(cassette.response.events) == Self.summary(of: frames.flatMap { $0 }))
        #expect(subject.notRecordedReasons().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aStreamPastTheSpoolThresholdIsRecordedAsTheSameEvents(kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let proxy = try ProxyHarness(storeKind: kind, logging: true) { configuration in
            configuration.spoolThresholdBytes = 40
            configuration.spoolDirectory = scratch.path
        }
        let subject = try Subject(proxy: proxy, requests: ParkedRequests(), key: Self.key, clients: 2)
        defer { subject.stop() }
        let frames = StreamFrames.text(["Café ☕ ", "\"quoted\"\t", "a/b\\c", "😀"])
        subject.feed(frames)

        for client in subject.clients {
            let stream = try client.readStream()
            #expect(stream.chunks.flatMap { $0 } == frames.flatMap { $0 })
            #expect(stream.finished)
        }
        let cassette = try #require(try subject.recorded())
        #expect(try Self.summary(cassette.response.events) == Self.summary(of: frames.flatMap { $0 }))
        #expect(cassette.upstreamLatencyMs == 321)
        #expect(subject.notRecordedReasons().isEmpty)
        #expect(CassetteFixtures.tree(scratch.path).isEmpty)
    }

    @Test func aSpooledStreamThatEndsIncompleteIsNotRecorded() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let proxy = try ProxyHarness(logging: true) { configuration in
            configuration.spoolThresholdBytes = 40
            configuration.spoolDirectory = scratch.path
        }
        let subject = try Subject(proxy: proxy, requests: ParkedRequests(), key: Self.key, clients: 1)
        defer { subject.stop() }
        subject.feed(Array(StreamFrames.text(["Hel", "lo", " there"]).dropLast()))
        _ = try subject.clients[0].readStream()
        #expect(try subject.recorded() == nil)
        #expect(subject.notRecordedReasons() == ["the stream ended without a metadata event (last: messageStop)"])
    }

    @Test func aSpoolThatCannotBeMadeLeavesTheStreamUnrecordedButWhole() throws {
        let proxy = try ProxyHarness(logging: true) { configuration in
            configuration.spoolThresholdBytes = 40
            configuration.spoolDirectory = "/nonexistent/tapedeck-spool"
        }
        let subject = try Subject(proxy: proxy, requests: ParkedRequests(), key: Self.key, clients: 1)
        defer { subject.stop() }
        let frames = StreamFrames.text(["Hel", "lo", " there"])
        subject.feed(frames)
        let stream = try subject.clients[0].readStream()
        #expect(stream.chunks.flatMap { $0 } == frames.flatMap { $0 } && stream.finished)
        #expect(try subject.recorded() == nil)
        #expect(subject.notRecordedReasons().contains { $0.hasPrefix("its events could not be spooled: mkstemp /nonexistent/tapedeck-spool") })
    }

    @Test func aStreamThatBreaksMidWayCutsEveryClientShortAndRecordsNothing() throws {
        let subject = try Subject()
        defer { subject.stop() }
        let frames = StreamFrames.text(["Hel", "lo"])
        let sent = Array(frames.prefix(3))
        let reset = CurlError(code: .receiveError, message: "Connection reset by peer", url: "http://127.0.0.1:1/model/m/converse-stream")
        subject.feed(sent, finish: .failure(reset))

        for client in subject.clients {
            let stream = try client.readStream()
            #expect(stream.head.hasPrefix("HTTP/1.1 200"))
            #expect(stream.chunks.flatMap { $0 } == sent.flatMap { $0 })
            #expect(!stream.finished, "the client sees the stream cut, not a clean end")
        }
        #expect(try subject.recorded() == nil)
        #expect(subject.notRecordedReasons().contains { $0.contains("the stream broke") && $0.contains("Connection reset by peer") })
        #expect(subject.proxy.engine.stats.snapshot().models[ProxyHarness.haiku]?.upstreamErrors == 1)
    }

    /// A stream that ends cleanly but is not one Tapedeck can replay faithfully.
    enum Incomplete: String, CaseIterable, Sendable {
        case withoutMetadata
        case endingInsideAMessage
        case withAnInStreamException

        /// What upstream sends.
        var frames: [[UInt8]] {
            let complete = StreamFrames.text(["Hel", "lo"])
            switch self {
            case .withoutMetadata:
                return Array(complete.dropLast())
            case .endingInsideAMessage:
                return complete + [Array(StreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0}"#).prefix(20))]
            case .withAnInStreamException:
                return Array(complete.prefix(2)) + [StreamFrames.exception("throttlingException", "slow down")] + complete.dropFirst(2)
            }
        }

        /// What the log gives as the reason it was not recorded.
        var reason: String {
            switch self {
            case .withoutMetadata: return "without a metadata event"
            case .endingInsideAMessage: return "ended inside a message"
            case .withAnInStreamException: return "in-stream throttlingException"
            }
        }
    }

    @Test(arguments: Incomplete.allCases)
    func anIncompleteStreamIsPassedThroughButNotRecorded(_ incomplete: Incomplete) throws {
        let subject = try Subject()
        defer { subject.stop() }
        subject.feed(incomplete.frames)

        for client in subject.clients {
            let stream = try client.readStream()
            #expect(stream.chunks.flatMap { $0 } == incomplete.frames.flatMap { $0 }, "every byte passes through as sent")
            #expect(stream.finished, "upstream ended cleanly, so the client's stream does too")
        }
        #expect(try subject.recorded() == nil)
        let reasons = subject.notRecordedReasons()
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains(incomplete.reason) == true, "\(reasons)")
    }

    @Test func anErrorBeforeTheStreamPassesThroughWholeAndIsNotRecorded() throws {
        let subject = try Subject()
        defer { subject.stop() }
        let body = Array(#"{"message":"Too many requests, please wait before trying again."}"#.utf8)
        subject.relay.upstreamDidReceiveHead(
            status: 429,
            headers: HTTPHeaders([
                ("Content-Type", "application/json"), ("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/"),
                ("Transfer-Encoding", "chunked"),
            ]))
        subject.relay.upstreamDidReceive(Array(body.prefix(10)))
        subject.relay.upstreamDidReceive(Array(body.dropFirst(10)))
        subject.relay.upstreamDidFinish(.success(12))

        for client in subject.clients {
            let response = try #require(try client.readResponse())
            #expect(response.status == 429)
            #expect(response.body == body)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.headers["x-amzn-ErrorType"] == "ThrottlingException:http://internal.amazon.com/")
            #expect(response.headers["Content-Length"] == String(body.count))
            #expect(response.headers["x-tapedeck"] == "miss")
        }
        #expect(try subject.recorded() == nil)
        #expect(subject.notRecordedReasons() == ["upstream answered 429"])
        #expect(subject.proxy.engine.stats.snapshot().models[ProxyHarness.haiku]?.upstreamErrors == 1)
    }

    @Test func chunkBoundariesAnywhereRecordTheSameCassette() throws {
        let proxy = try ProxyHarness()
        let requests = try ParkedRequests()
        defer {
            requests.stop()
            proxy.stop()
        }
        let bytes = StreamFrames.text(["Once", " upon", " a", " time"]).flatMap { $0 }
        let expected = try Self.summary(of: bytes)
        let seed: UInt64 = 8_785
        var generator = ConverseFixtures.SeededGenerator(state: seed)
        var splits: [(name: String, pieces: [[UInt8]])] = [("whole", [bytes]), ("byte by byte", bytes.map { [$0] })]
        for run in 0..<10 {
            let cuts = (0..<Int.random(in: 1...12, using: &generator)).map { _ in Int.random(in: 1..<bytes.count, using: &generator) }
            var pieces: [[UInt8]] = []
            var start = 0
            for cut in Set(cuts).sorted() {
                pieces.append(Array(bytes[start..<cut]))
                start = cut
            }
            pieces.append(Array(bytes[start...]))
            splits.append(("random split \(run) (seed \(seed)): \(Set(cuts).sorted())", pieces))
        }

        for (index, split) in splits.enumerated() {
            let key = try #require(CacheKey(hex: String(repeating: (index < 16 ? "0" : "") + String(index, radix: 16), count: 32)))
            let subject = try Subject(proxy: proxy, requests: requests, key: key, clients: 1)
            subject.feed(split.pieces)
            let stream = try subject.clients[0].readStream()
            #expect(stream.chunks == split.pieces, "\(split.name)")
            let cassette = try subject.recorded()
            #expect(try Self.summary(cassette?.response.events) == expected, "\(split.name)")
        }
    }
}
