import Foundation
import Glibc
import Testing
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock
import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// Large live streams through a real `HTTPServer` + `ProxyEngine` and a real origin: a client that stops reading
/// holds upstream back instead of filling memory, every byte still arrives, and the recording (spooled to a
/// nameless temporary file past its bound) is stored as a whole document would be and replays byte for byte.
@Suite(.tags(.slow)) struct StreamSpoolSlowTests {
    /// The request every test streams.
    static let question = EchoOrigin.requestBody("a long story")

    /// A ConverseStream answer of about `megabytes` MB whose payloads have their keys sorted (as a cassette keeps
    /// them), so a faithful replay is byte-identical to it; the text holds non-ASCII and escaped characters.
    final class BigStream: @unchecked Sendable {  // `sent` is a Mutex; the rest never changes.
        let frames: [[UInt8]]
        let body: [UInt8]
        /// Stream bytes the origin has sent or is sending.
        private let sent = Mutex(0)

        init(megabytes: Int) {
            // About 16 KB of UTF-8 per delta, as Bedrock's larger ones.
            let filler = String(repeating: "lorem ipsum é ☕ 😀 \"quoted\" a\\b\ttab ", count: 400)
            var frames = [StreamFrames.event("messageStart", #"{"p":"abcd","role":"assistant"}"#)]
            var size = frames[0].count
            var count = 0
            while size < megabytes * 1_000_000 {
                let index = count
                count += 1
                let delta = JSONWriter.compact(.object([
                    JSONMember("contentBlockIndex", .number("0")),
                    JSONMember("delta", .object([JSONMember("text", .string("\(index) " + filler))])),
                    JSONMember("p", .string("abcdefgh")),
                ]))
                frames.append(StreamFrames.event("contentBlockDelta", String(decoding: delta, as: UTF8.self)))
                size += frames[frames.count - 1].count
            }
            frames.append(StreamFrames.event("contentBlockStop", #"{"contentBlockIndex":0}"#))
            frames.append(StreamFrames.event("messageStop", #"{"stopReason":"end_turn"}"#))
            frames.append(StreamFrames.event(
                "metadata", #"{"metrics":{"latencyMs":321},"usage":{"inputTokens":9,"outputTokens":\#(count),"totalTokens":\#(count + 9)}}"#))
            self.frames = frames
            body = frames.flatMap { $0 }
        }

        var sentBytes: Int { sent.withLock { $0 } }

        /// Answers every request with the stream, counting each frame as it goes; `cutAfter` frames, the
        /// connection closes without the last chunk instead.
        func handler(cutAfter: Int? = nil) -> TestOrigin.Handler {
            { [self] _ in
                let chunks = frames.prefix(cutAfter ?? frames.count).map { frame in
                    TestOrigin.Chunk(frame, before: { [self] in sent.withLock { $0 += frame.count } })
                }
                return cutAfter == nil
                    ? .chunked(headers: StreamFrames.eventStream, chunks: chunks)
                    : .chunkedCutOff(headers: StreamFrames.eventStream, chunks: chunks)
            }
        }
    }

    /// A proxy recording into a store of `kind`, spooling into `spool` past `threshold` bytes.
    static func proxy(_ stream: BigStream, _ kind: StoreKind, spool: String, threshold: Int = 8 << 20,
                      cutAfter: Int? = nil) throws -> ProxyHarness {
        try ProxyHarness(storeKind: kind, configure: { configuration in
            configuration.spoolDirectory = spool
            configuration.spoolThresholdBytes = threshold
            // The origin's metadata says 321 ms, so a replay reports what upstream did.
            configuration.hitLatencyMs = 321
        }, origin: stream.handler(cutAfter: cutAfter))
    }

    /// Sends the stream request on `client`.
    static func ask(_ client: RawClient) throws {
        try client.send("POST", StreamFrames.streamPath, headers: [("Content-Type", "application/json")], body: Array(question.utf8))
    }

    /// The value of header `name` in a raw response head.
    static func header(_ name: String, in head: String) -> String? {
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix(name.lowercased() + ":") {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `value` once it has stopped changing: the same over 20 samples 50 ms apart (upstream is held back).
    static func settled(_ value: () -> Int) -> Int {
        var last = value()
        var same = 0
        for _ in 0..<2000 where same < 20 {
            usleep(50_000)
            let now = value()
            same = now == last ? same + 1 : 0
            last = now
        }
        return last
    }

    /// How many of this process's open descriptors are spool files made in `directory` (unlinked, still open).
    static func openSpools(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.filter { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"))?
                .hasPrefix("\(directory)/tapedeck-spool-") == true
        }.count
    }

    /// The recording's stored bytes: the cassette file, or the row's `document`.
    static func storedBytes(_ proxy: ProxyHarness, key: CacheKey) throws -> [UInt8]? {
        if let sqlite = proxy.engineStore as? SQLiteStore {
            return try SQLiteFixtures.text("SELECT document FROM cassettes WHERE key = '\(key.hex)'", on: sqlite.path).map { Array($0.utf8) }
        }
        return try CassetteFixtures.read(proxy.cassettePath(forKey: key.hex))
    }

    /// Replays the stream from the store: the hit's head and body.
    static func replay(_ proxy: ProxyHarness) throws -> (head: String, body: [UInt8]) {
        let client = try RawClient(port: proxy.port)
        try ask(client)
        let replayed = try client.readStream()
        return (replayed.head, replayed.chunks.flatMap { $0 })
    }

    @Test(arguments: StoreKind.allCases)
    func aClientThatStopsReadingHoldsUpstreamBackAndStillGetsAndRecordsEveryByte(kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = BigStream(megabytes: 48)
        let proxy = try Self.proxy(stream, kind, spool: scratch.path)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port, receiveBuffer: 64 * 1024)
        try Self.ask(client)
        let head = try client.readHead()
        var received = try #require(try client.readChunk(), "the stream is under way")
        // The client reads nothing more: upstream stops once the connection's backlog and the sockets are full.
        let held = Self.settled { stream.sentBytes }
        print("StreamSpoolSlowTests: upstream held at \(held) of \(stream.body.count) bytes while the client did not read (\(kind))")
        #expect(held < 16 << 20, "upstream sent \(held) bytes to a client that stopped reading")

        while let chunk = try client.readChunk() { received += chunk }
        #expect(head.contains("x-tapedeck: miss"))
        #expect(received.count == stream.body.count)
        #expect(received == stream.body, "every byte, in order")

        let key = try #require(Self.header("x-tapedeck-key", in: head).flatMap(CacheKey.init(hex:)))
        proxy.engine.finishRecordings()
        let stored = try #require(try proxy.engineStore.load(key))
        #expect(stored.response.events?.count == stream.frames.count)
        let replayed = try Self.replay(proxy)
        #expect(replayed.head.contains("x-tapedeck: hit"))
        #expect(replayed.body == stream.body, "the replay is byte for byte what upstream sent")
        #expect(waitUntil { Self.openSpools(in: scratch.path) == 0 }, "the spool file is closed once stored")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aSpooledRecordingIsStoredAsTheWholeDocumentWouldBe(kind: StoreKind) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = BigStream(megabytes: 3)
        var recorded: [[StreamEvent]] = []
        // Held whole (never past the bound), then spooled from the first 64 KiB on.
        for threshold in [Int.max, 64 << 10] {
            let proxy = try Self.proxy(stream, kind, spool: scratch.path, threshold: threshold)
            defer { proxy.stop() }
            let client = try RawClient(port: proxy.port)
            try Self.ask(client)
            let answer = try client.readStream()
            #expect(answer.finished && answer.chunks.flatMap { $0 } == stream.body)
            let key = try #require(Self.header("x-tapedeck-key", in: answer.head).flatMap(CacheKey.init(hex:)))
            proxy.engine.finishRecordings()
            let loaded = try #require(try proxy.engineStore.load(key))
            #expect(try Self.storedBytes(proxy, key: key) == proxy.engineStore.encode(loaded), "threshold \(threshold)")
            // Offsets are arrival times, which differ between two recordings; everything else is the same.
            recorded.append((loaded.response.events ?? []).map { StreamEvent(type: $0.type, payload: $0.payload) })
            #expect(try Self.replay(proxy).body == stream.body)
        }
        #expect(recorded[0].count == stream.frames.count)
        #expect(recorded[0] == recorded[1])
        #expect(waitUntil { Self.openSpools(in: scratch.path) == 0 })
    }

    @Test func aFollowerThatFallsBehindIsCutWhileTheLeadersStreamIsRecorded() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = BigStream(megabytes: 30)
        let started = Gate()
        let proxy = try ProxyHarness(configure: { configuration in
            configuration.spoolDirectory = scratch.path
            configuration.hitLatencyMs = 321
        }, origin: { request in
            // Upstream starts once the follower has joined, so it joins before the flight stops taking followers.
            started.wait()
            return stream.handler()(request)
        })
        defer { proxy.stop() }
        let key = MissCoalescer.FlightKey(
            namespace: "", key: try CacheKey.derive(modelId: ProxyHarness.haiku, body: try JSONParser.parse(Array(Self.question.utf8))),
            operation: .converseStream)

        let leader = try RawClient(port: proxy.port)
        try Self.ask(leader)
        #expect(waitUntil { proxy.origin.requests.count == 1 })
        let follower = try RawClient(port: proxy.port, receiveBuffer: 64 * 1024)
        try Self.ask(follower)
        try #require(waitUntil { proxy.engine.coalescer.followerCount(for: key) == 1 })
        started.open()

        let followerHead = try follower.readHead()
        #expect(followerHead.contains("x-tapedeck-coalesced: true"))
        // The follower reads nothing more while the leader reads everything.
        let led = try leader.readStream()
        #expect(led.finished && led.chunks.flatMap { $0 } == stream.body, "the leader gets the whole stream")
        var followed: [UInt8] = []
        while let chunk = try follower.readChunk() { followed += chunk }
        #expect(followed.count < stream.body.count, "the follower's stream was cut short")
        #expect(followed == Array(stream.body.prefix(followed.count)), "what it got is the stream's start")

        let hex = try #require(Self.header("x-tapedeck-key", in: led.head))
        #expect(try Self.replay(proxy).body == stream.body, "the leader's stream was recorded (\(hex.prefix(8)))")
        #expect(waitUntil { Self.openSpools(in: scratch.path) == 0 })
    }

    @Test func aStreamCutUpstreamIsNotRecordedAndLeavesNoSpool() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = BigStream(megabytes: 4)
        let proxy = try Self.proxy(stream, .json, spool: scratch.path, threshold: 64 << 10, cutAfter: stream.frames.count / 2)
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        try Self.ask(client)
        let answer = try client.readStream()
        #expect(!answer.finished, "the client's stream is cut as upstream's was")
        proxy.engine.finishRecordings()
        #expect(proxy.storedFiles().isEmpty)
        #expect(waitUntil { Self.openSpools(in: scratch.path) == 0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func aSpooledRecordingThatCannotBeWrittenStillAnswersAndLeavesNoSpool() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = BigStream(megabytes: 4)
        let proxy = try Self.proxy(stream, .json, spool: scratch.path, threshold: 64 << 10)
        defer { proxy.stop() }
        // The store's directory is a file: no cassette can be written under it.
        try proxy.writeFile(proxy.store.directory, [1])
        let client = try RawClient(port: proxy.port)
        try Self.ask(client)
        let answer = try client.readStream()
        #expect(answer.finished && answer.chunks.flatMap { $0 } == stream.body, "the client's call succeeded")
        proxy.engine.finishRecordings()
        #expect(proxy.engine.stats.snapshot().recordFailures == 1)
        #expect(waitUntil { Self.openSpools(in: scratch.path) == 0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }
}
