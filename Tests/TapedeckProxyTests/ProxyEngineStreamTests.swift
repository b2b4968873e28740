import Dispatch
import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// ConverseStream through the proxy: live pass-through, recording only complete streams, replay and pacing.
@Suite struct ProxyEngineStreamTests {
    static func streamOrigin(_ frames: [[UInt8]], cutOff: Bool = false) -> TestOrigin.Handler {
        { _ in
            let chunks = frames.map { TestOrigin.Chunk($0) }
            return cutOff ? .chunkedCutOff(headers: StreamFrames.eventStream, chunks: chunks) : .chunked(headers: StreamFrames.eventStream, chunks: chunks)
        }
    }

    static func postStream(_ proxy: ProxyHarness, body: String = ProxyHarness.helloBody) throws -> RawResponse {
        try proxy.post(StreamFrames.streamPath, body: body)
    }

    @Test func theClientHasTheFirstFrameWhileUpstreamHoldsBackTheRest() throws {
        let gate = Gate()
        let frames = StreamFrames.text(["Hel", "lo"])
        let proxy = try ProxyHarness(origin: { _ in
            var chunks = frames.map { TestOrigin.Chunk($0) }
            chunks[1].before = { gate.wait() }
            return .chunked(headers: StreamFrames.eventStream, chunks: chunks)
        })
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        let body = Array(ProxyHarness.helloBody.utf8)
        try client.send("POST \(StreamFrames.streamPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
        try client.send(body)
        let head = try client.readHead()
        #expect(head.hasPrefix("HTTP/1.1 200"))
        #expect(head.contains("Transfer-Encoding: chunked"))
        #expect(head.contains("x-tapedeck: miss"))
        let first = try #require(try client.readChunk())
        #expect(first == frames[0], "the first frame arrived while upstream still holds the second")
        gate.open()
        var rest: [UInt8] = []
        while let chunk = try client.readChunk() { rest += chunk }
        #expect(first + rest == frames.flatMap { $0 })
    }

    @Test func aCompleteStreamIsRecordedAndReplayedByteIdentically() throws {
        let frames = StreamFrames.text(["Hello", " there", "!"])
        let proxy = try ProxyHarness(origin: Self.streamOrigin(frames))
        defer { proxy.stop() }
        let live = try Self.postStream(proxy)
        #expect(live.status == 200)
        #expect(live.body == frames.flatMap { $0 }, "the client gets exactly what upstream sent")
        let key = try #require(live.headers["x-tapedeck-key"])
        let cacheKey = try #require(CacheKey(hex: key))
        let cassette = try #require(try proxy.store.load(cacheKey))
        #expect(cassette.operation == .converseStream)
        let events = try #require(cassette.response.events)
        #expect(events.map(\.type) == ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"])
        #expect(events[0].payload["p"]?.stringValue == "abcdefgh", "padding is kept as recorded")

        let first = try Self.postStream(proxy)
        let second = try Self.postStream(proxy)
        #expect(proxy.origin.requests.count == 1)
        #expect(first.headers["x-tapedeck"] == "hit")
        #expect(first.headers["x-tapedeck-served-as"] == "recorded")
        #expect(first.headers["Content-Type"] == "application/vnd.amazon.eventstream")
        #expect(first.body == second.body, "replays are byte-identical")
        #expect(first.chunks.count == frames.count, "one chunk per frame, not one collapsed chunk")
        let replayed = try StreamFrames.decode(first.body)
        #expect(replayed.map { $0.stringHeader(":event-type") } == events.map(\.type))
        let metadata = try JSONParser.parse(replayed.last!.payload)
        #expect(metadata.at("metrics", "latencyMs")?.numberLiteral == "0")
        #expect(metadata.at("usage", "totalTokens")?.numberLiteral == "13")
    }

    @Test func aStreamCutBeforeMetadataIsPassedOnButNotRecorded() throws {
        let frames = Array(StreamFrames.text(["partial"]).dropLast())
        let proxy = try ProxyHarness(origin: Self.streamOrigin(frames))
        defer { proxy.stop() }
        let live = try Self.postStream(proxy)
        #expect(live.status == 200)
        #expect(live.body == frames.flatMap { $0 })
        #expect(proxy.storedFiles().isEmpty)
        #expect(try Self.postStream(proxy).headers["x-tapedeck"] == "miss", "the next identical request goes upstream again")
    }

    @Test func anInStreamExceptionIsPassedOnAndNotRecorded() throws {
        var frames = Array(StreamFrames.text(["oops"]).prefix(2))
        frames.append(StreamFrames.exception("throttlingException", "Too many tokens, please wait."))
        let proxy = try ProxyHarness(origin: Self.streamOrigin(frames))
        defer { proxy.stop() }
        let live = try Self.postStream(proxy)
        #expect(live.body == frames.flatMap { $0 })
        let last = try #require(try StreamFrames.decode(live.body).last)
        #expect(last.stringHeader(":message-type") == "exception")
        #expect(last.stringHeader(":exception-type") == "throttlingException")
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func anUpstreamThatDropsMidStreamCutsTheClientShortAndRecordsNothing() throws {
        let frames = StreamFrames.text(["never", "finished"])
        let proxy = try ProxyHarness(origin: Self.streamOrigin(Array(frames.prefix(3)), cutOff: true))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        let body = Array(ProxyHarness.helloBody.utf8)
        try client.send("POST \(StreamFrames.streamPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
        try client.send(body)
        _ = try client.readHead()
        var received: [UInt8] = []
        while let chunk = try client.readChunk() { received += chunk }
        #expect(received == frames.prefix(3).flatMap { $0 }, "what upstream sent, then the connection closes without a last chunk")
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func errorsBeforeTheStreamPassThroughWhole() throws {
        let proxy = try ProxyHarness(origin: { _ in
            .response(status: 429, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ThrottlingException")],
                      body: Array(#"{"message":"slow down"}"#.utf8))
        })
        defer { proxy.stop() }
        let response = try Self.postStream(proxy)
        #expect(response.status == 429)
        #expect(response.headers["x-amzn-ErrorType"] == "ThrottlingException")
        #expect(response.text == #"{"message":"slow down"}"#)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func recordedPacingKeepsOrderAndTheRecordedGaps() throws {
        let frames = StreamFrames.text(["one", "two", "three"])
        let proxy = try ProxyHarness(configure: { $0.replayPace = .recorded }, origin: { _ in
            .chunked(headers: StreamFrames.eventStream, chunks: frames.enumerated().map { TestOrigin.Chunk(delayMs: $0.offset == 0 ? 0 : 40, $0.element) })
        })
        defer { proxy.stop() }
        _ = try Self.postStream(proxy)
        let files = proxy.storedFiles()
        let file = try #require(files.first)
        let cassette = try Cassette(json: try JSONParser.parse(try #require(proxy.fileBytes(file))))
        let offsets = try #require(cassette.response.events).map(\.offsetMs)
        #expect(offsets == offsets.sorted())
        #expect(offsets.last! >= 40 * (frames.count - 1), "the recording kept upstream's gaps")

        let started = MonotonicClock.milliseconds()
        let replay = try Self.postStream(proxy)
        let elapsed = Int(MonotonicClock.milliseconds() - started)
        #expect(replay.headers["x-tapedeck"] == "hit")
        #expect(try StreamFrames.eventTypes(replay.body) == cassette.response.events!.map(\.type), "frame order is kept")
        #expect(replay.chunks.count == frames.count)
        // Timers never fire early, so this lower bound cannot fail by chance.
        #expect(elapsed >= offsets.last!, "the replay took at least the recorded span")
    }

    @Test func pacingOneStreamNeverHoldsUpAHitOnAnotherConnection() throws {
        let proxy = try ProxyHarness(eventLoops: 1, configure: { $0.replayPace = .every(milliseconds: 60_000) },
                                     origin: Self.streamOrigin(StreamFrames.text(["slow"])))
        let first = try Self.postStream(proxy)
        #expect(first.headers["x-tapedeck"] == "miss")
        let paced = try RawClient(port: proxy.port)
        let body = Array(ProxyHarness.helloBody.utf8)
        try paced.send("POST \(StreamFrames.streamPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
        try paced.send(body)
        #expect(try paced.readHead().contains("x-tapedeck: hit"))
        let other = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(other.headers["x-tapedeck"] == "hit", "a converse hit is answered while the stream is paced")
        #expect(other.headers["x-tapedeck-served-as"] == "folded")
        proxy.stop(graceMs: 10)
    }

    @Test func converseAndConverseStreamShareOneCassette() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(recorded.headers["x-tapedeck"] == "miss")
        let stream = try Self.postStream(proxy)
        #expect(stream.headers["x-tapedeck"] == "hit")
        #expect(stream.headers["x-tapedeck-served-as"] == "synthesized")
        #expect(proxy.origin.requests.count == 1)
        let messages = try StreamFrames.decode(stream.body)
        #expect(messages.first?.stringHeader(":event-type") == "messageStart")
        #expect(messages.last?.stringHeader(":event-type") == "metadata")
        let text = try messages.filter { $0.stringHeader(":event-type") == "contentBlockDelta" }
            .map { try JSONParser.parse($0.payload).at("delta", "text")?.stringValue ?? "" }.joined()
        let converse = try JSONParser.parse(recorded.body)
        #expect(text == converse.at("output", "message")?["content"]?.arrayValue?.first?["text"]?.stringValue)
    }
}
