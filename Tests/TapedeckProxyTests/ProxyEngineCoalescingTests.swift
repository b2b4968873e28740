import Dispatch
import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// Concurrent identical misses through a real server and real libcurl: one upstream call, everyone answered alike.
///
/// No test waits on a clock: the origin holds its answer behind a latch that opens once the proxy's coalescer
/// holds every request the test sent.
@Suite struct ProxyEngineCoalescingTests {
    static let streamPath = StreamFrames.streamPath
    static let goodbyeBody = #"{"messages": [{"role": "user", "content": [{"text": "Goodbye"}]}]}"#

    /// A gate that, once opened, lets every waiter through, now and later.
    final class Latch: Sendable {
        private let group = DispatchGroup()

        /// Creates a closed latch.
        init() { group.enter() }

        /// Lets every waiter through; call it once.
        func open() { group.leave() }

        /// Blocks until the latch opens (giving up after 30 s, so that a failing test cannot hang the run).
        func wait() { _ = group.wait(timeout: .now() + 30) }
    }

    /// The coalescer's key for a `body` sent to Haiku.
    static func flightKey(_ body: String = ProxyHarness.helloBody, _ operation: BedrockOperation = .converse,
                          namespace: String = "") throws -> MissCoalescer.FlightKey {
        let key = try CacheKey.derive(modelId: ProxyHarness.haiku, body: try JSONParser.parse(Array(body.utf8)))
        return MissCoalescer.FlightKey(namespace: namespace, key: key, operation: operation)
    }

    /// Runs `send` on `count` threads of their own, released together; `meanwhile` runs while they wait for answers.
    /// Answers the results in thread order.
    ///
    /// Nothing here awaits: a test whose clients are waiting must not need a free thread of Swift's small pool to go
    /// on (under a full test run other tests' blocking waits can hold them all for longer than a client waits).
    static func concurrently<T: Sendable>(
        _ count: Int, meanwhile: () -> Void, _ send: @escaping @Sendable (Int) throws -> T
    ) throws -> [T] {
        let barrier = Barrier(parties: count)
        let results = Mutex([Int: Result<T, any Error>]())
        let finished = DispatchGroup()
        for index in 0..<count {
            finished.enter()
            Thread {
                barrier.arriveAndWait()
                let result = Result { try send(index) }
                results.withLock { $0[index] = result }
                finished.leave()
            }.start()
        }
        meanwhile()
        finished.wait()
        #expect(!barrier.timedOut)
        let collected = results.withLock { $0 }
        return try (0..<count).map { try collected[$0]!.get() }
    }

    /// Waits until `condition` holds (or gives up), then opens `latch` whatever happened, so nothing hangs.
    static func open(_ latch: Latch, when condition: () -> Bool) {
        let held = waitUntil(condition)
        #expect(held, "every request reached the coalescer before upstream answered")
        latch.open()
    }

    /// POSTs a ConverseStream request on a fresh connection and reads the whole stream.
    static func stream(_ proxy: ProxyHarness, body: String = ProxyHarness.helloBody) throws -> (head: String, chunks: [[UInt8]], finished: Bool) {
        let client = try RawClient(port: proxy.port)
        try client.send("POST", streamPath, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        return try client.readStream()
    }

    @Test func thirtyTwoIdenticalConverseMissesMakeOneUpstreamCall() throws {
        let latch = Latch()
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(origin: { request in
            latch.wait()
            return answers.handler(request)
        })
        defer { proxy.stop() }
        let key = try Self.flightKey()

        let responses = try Self.concurrently(32, meanwhile: {
            Self.open(latch) { proxy.origin.requests.count == 1 && proxy.engine.coalescer.followerCount(for: key) == 31 }
        }) { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }

        #expect(proxy.origin.requests.count == 1, "one upstream call for 32 identical misses")
        #expect(responses.allSatisfy { $0.status == 200 })
        #expect(responses.allSatisfy { $0.body == responses[0].body }, "32 identical bodies")
        #expect(responses[0].text == BedrockOrigin.converseBody(text: "answer 1"))
        #expect(responses.allSatisfy { $0.headers["x-amzn-RequestId"] == "origin-request-1" && $0.headers["X-Origin-Extra"] == "kept" })
        #expect(responses.allSatisfy { $0.headers["x-tapedeck"] == "miss" && $0.headers["x-tapedeck-key"] == key.key.hex })
        #expect(responses.filter { $0.headers["x-tapedeck-coalesced"] == "true" }.count == 31, "all but the leader waited")
        #expect(proxy.storedFiles() == [proxy.cassettePath(forKey: key.key.hex)])
        #expect(proxy.engine.coalescer.flightCount == 0)

        let stats = proxy.engine.stats.snapshot()
        #expect(stats.requests[.miss] == 32, "every follower is counted as a miss")
        #expect(stats.models[ProxyHarness.haiku]?.misses == 32)
        #expect(stats.models[ProxyHarness.haiku]?.upstreamErrors == 0)

        let later = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(later.headers["x-tapedeck"] == "hit", "a request after the flight landed is a hit")
        #expect(later.headers["x-tapedeck-coalesced"] == nil)
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func twoDifferentKeysInFlightMakeTwoCalls() throws {
        let latch = Latch()
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(origin: { request in
            latch.wait()
            return answers.handler(request)
        })
        defer { proxy.stop() }
        let hello = try Self.flightKey(), goodbye = try Self.flightKey(Self.goodbyeBody)
        let bodies = [ProxyHarness.helloBody, Self.goodbyeBody, ProxyHarness.helloBody, Self.goodbyeBody]

        let responses = try Self.concurrently(bodies.count, meanwhile: {
            Self.open(latch) {
                proxy.origin.requests.count == 2 && proxy.engine.coalescer.followerCount(for: hello) == 1
                    && proxy.engine.coalescer.followerCount(for: goodbye) == 1
            }
        }) { index in try proxy.post(ProxyHarness.haikuPath, body: bodies[index]) }

        #expect(proxy.origin.requests.count == 2)
        #expect(proxy.storedFiles().count == 2)
        #expect(responses[0].body == responses[2].body)
        #expect(responses[1].body == responses[3].body)
        #expect(responses[0].body != responses[1].body)
        #expect(responses[0].headers["x-tapedeck-key"] == hello.key.hex)
        #expect(responses[1].headers["x-tapedeck-key"] == goodbye.key.hex)
    }

    @Test func requestsThatWouldNotShareACassetteNeverShareACall() throws {
        // Each round's two calls must be at the origin at once: neither request waited for the other.
        let barriers = [Barrier(parties: 2), Barrier(parties: 2)]
        let calls = Mutex(0)
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(configure: { $0.repeats = .sequence }, origin: { request in
            let call = calls.withLock { count -> Int in
                count += 1
                return count
            }
            barriers[(call - 1) / 2].arriveAndWait()
            return answers.handler(request)
        })
        defer { proxy.stop() }
        let cases: [[(String, String)]] = [
            [("x-tapedeck-namespace", "test_a")], [("x-tapedeck-namespace", "test_b")],
        ]
        let namespaced = try Self.concurrently(2, meanwhile: {}) { index in
            try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: cases[index])
        }
        #expect(namespaced.allSatisfy { $0.headers["x-tapedeck-coalesced"] == nil })
        #expect(proxy.origin.requests.count == 2, "one call per namespace")

        // With --repeats sequence, two identical requests of one session are its first and second answer.
        let repeated = try Self.concurrently(2, meanwhile: {}) { _ in
            try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-session", "s")])
        }
        #expect(repeated.allSatisfy { $0.headers["x-tapedeck-coalesced"] == nil })
        #expect(Set(repeated.map(\.body)).count == 2)
        #expect(proxy.origin.requests.count == 4, "one call per answer in the sequence")
        #expect(barriers.allSatisfy { !$0.timedOut })
    }

    @Test func eightIdenticalStreamsShareOneLiveStream() throws {
        let latch = Latch()
        let frames = StreamFrames.text(["Hello", " there", "!"])
        let proxy = try ProxyHarness(origin: { _ in
            var chunks = frames.map { TestOrigin.Chunk($0) }
            chunks[1].before = { latch.wait() }
            return .chunked(headers: StreamFrames.eventStream, chunks: chunks)
        })
        defer { proxy.stop() }
        let key = try Self.flightKey(ProxyHarness.helloBody, .converseStream)

        let streams = try Self.concurrently(8, meanwhile: {
            Self.open(latch) { proxy.origin.requests.count == 1 && proxy.engine.coalescer.followerCount(for: key) == 7 }
        }) { _ in try Self.stream(proxy) }

        #expect(proxy.origin.requests.count == 1)
        let leader = try #require(streams.first { !$0.head.contains("x-tapedeck-coalesced") })
        #expect(leader.chunks.flatMap { $0 } == frames.flatMap { $0 }, "the leader gets exactly what upstream sent")
        #expect(streams.filter { $0.head.contains("x-tapedeck-coalesced: true") }.count == 7)
        for stream in streams {
            #expect(stream.head.hasPrefix("HTTP/1.1 200"))
            #expect(stream.head.contains("x-tapedeck: miss"))
            #expect(stream.head.contains("Content-Type: application/vnd.amazon.eventstream"))
            #expect(stream.chunks == leader.chunks, "every frame, byte-identical, in the leader's chunks")
            #expect(stream.finished, "the stream completed")
        }
        #expect(proxy.storedFiles() == [proxy.cassettePath(forKey: key.key.hex)])
        #expect(proxy.engine.stats.snapshot().requests[.miss] == 8)

        let later = try Self.stream(proxy)
        #expect(later.head.contains("x-tapedeck: hit"))
        #expect(try StreamFrames.eventTypes(later.chunks.flatMap { $0 })
                == StreamFrames.eventTypes(frames.flatMap { $0 }))
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func aStreamJoinedMidwayGetsTheFramesSoFarThenTheRest() throws {
        let latch = Latch()
        let frames = StreamFrames.text(["Hel", "lo"])
        let proxy = try ProxyHarness(origin: { _ in
            var chunks = frames.map { TestOrigin.Chunk($0) }
            chunks[1].before = { latch.wait() }
            return .chunked(headers: StreamFrames.eventStream, chunks: chunks)
        })
        defer { proxy.stop() }
        let key = try Self.flightKey(ProxyHarness.helloBody, .converseStream)
        let body = Array(ProxyHarness.helloBody.utf8)

        let first = try RawClient(port: proxy.port)
        try first.send("POST", Self.streamPath, headers: [("Content-Type", "application/json")], body: body)
        let firstHead = try first.readHead()
        let firstFrame = try #require(try first.readChunk())
        #expect(firstFrame == frames[0], "the leader's stream is under way")

        let second = try RawClient(port: proxy.port)
        try second.send("POST", Self.streamPath, headers: [("Content-Type", "application/json")], body: body)
        #expect(waitUntil { proxy.engine.coalescer.followerCount(for: key) == 1 })
        latch.open()

        var firstChunks = [firstFrame]
        while let chunk = try first.readChunk() { firstChunks.append(chunk) }
        let joined = try second.readStream()
        #expect(firstHead.contains("x-tapedeck: miss") && !firstHead.contains("x-tapedeck-coalesced"))
        #expect(joined.head.contains("x-tapedeck: miss"))
        #expect(joined.head.contains("x-tapedeck-coalesced: true"))
        #expect(joined.chunks == firstChunks, "the head and the frames so far, then each new one")
        #expect(joined.chunks.flatMap { $0 } == frames.flatMap { $0 })
        #expect(joined.finished)
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.storedFiles().count == 1)
    }

    /// The route every operation is tested on: Claude 3.5 Haiku's, or a guardrail's for ApplyGuardrail.
    static func route(_ operation: BedrockOperation) -> BedrockRoute {
        operation == .applyGuardrail
            ? BedrockRoute(prefix: "", guardrail: "gr1abc", version: "1")
            : BedrockRoute(prefix: "", modelId: ProxyHarness.haiku, operation: operation)
    }

    /// The flight key of `ProxyHarness.post(body)` to `route(operation)` (sent with Content-Type application/json).
    static func anyFlightKey(_ body: String, _ operation: BedrockOperation) throws -> MissCoalescer.FlightKey {
        let headers = KeyedRequest.headers(operation) { $0 == "content-type" ? "application/json" : nil }
        let keyed = KeyedRequest(
            operation: operation, modelId: route(operation).modelId, headers: headers,
            body: try KeyedRequest.body(operation, bytes: Array(body.utf8), limits: .request))
        return MissCoalescer.FlightKey(namespace: "", key: try keyed.key(), operation: operation)
    }

    @Test(arguments: BedrockOperation.allCases)
    func anUpstreamErrorReachesEveryWaiterAndNothingIsRecorded(_ operation: BedrockOperation) throws {
        let latch = Latch()
        let error = #"{"message":"Internal server error"}"#
        let proxy = try ProxyHarness(origin: { _ in
            latch.wait()
            return .response(status: 500, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalServerException"),
                                                    ("x-amzn-RequestId", "err-1")], body: Array(error.utf8))
        })
        defer { proxy.stop() }
        let key = try Self.anyFlightKey(ProxyHarness.helloBody, operation)
        let path = Self.route(operation).path
        let model = Self.route(operation).modelId

        let responses = try Self.concurrently(6, meanwhile: {
            Self.open(latch) { proxy.origin.requests.count == 1 && proxy.engine.coalescer.followerCount(for: key) == 5 }
        }) { _ in try proxy.post(path, body: ProxyHarness.helloBody) }

        #expect(proxy.origin.requests.count == 1)
        for response in responses {
            #expect(response.status == 500)
            #expect(response.text == error)
            #expect(response.headers["x-amzn-ErrorType"] == "InternalServerException")
            #expect(response.headers["x-amzn-RequestId"] == "err-1")
        }
        #expect(responses.filter { $0.headers["x-tapedeck-coalesced"] == "true" }.count == 5)
        #expect(proxy.storedFiles().isEmpty)
        let stats = proxy.engine.stats.snapshot()
        #expect(stats.models[model]?.misses == 6)
        #expect(stats.models[model]?.upstreamErrors == 1, "one upstream call, one upstream error")
        #expect(proxy.origin.requests.allSatisfy { $0.path == path })

        _ = try proxy.post(path, body: ProxyHarness.helloBody)
        #expect(proxy.origin.requests.count == 2, "an error is never replayed")
    }

    @Test func aRefusedConnectionFailsEveryWaiterAlike() throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let proxy = try ProxyHarness(upstream: .url("http://127.0.0.1:\(port)"))
        defer { proxy.stop() }
        let upstream = try #require(proxy.upstream)
        let key = try Self.flightKey()

        // A completion that blocks holds up the upstream client's one thread, so the leader's call waits in its queue.
        let latch = Latch(), blocking = Latch()
        upstream.send(UpstreamRequest(url: "http://127.0.0.1:\(port)/hold")) { _ in
            blocking.open()
            latch.wait()
        }
        blocking.wait()

        let responses = try Self.concurrently(6, meanwhile: {
            Self.open(latch) { proxy.engine.coalescer.followerCount(for: key) == 5 }
        }) { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }

        let message = try #require(responses[0].errorMessage)
        #expect(message.contains("http://127.0.0.1:\(port)/model/"))
        #expect(message.lowercased().contains("connect"), "the cause: \(message)")
        for response in responses {
            #expect(response.status == 502)
            #expect(response.headers["x-amzn-ErrorType"] == "BadGatewayException")
            #expect(response.body == responses[0].body)
            #expect(response.headers["x-tapedeck"] == "miss")
        }
        #expect(responses.filter { $0.headers["x-tapedeck-coalesced"] == "true" }.count == 5)
        #expect(proxy.storedFiles().isEmpty)
        #expect(proxy.engine.stats.snapshot().models[ProxyHarness.haiku]?.upstreamErrors == 1)
    }

    @Test func aLeaderWhoseKeyWasRecordedSinceItsLookupServesTheRecordingToItsFlight() throws {
        // The gap closed here: a request's lookup missed, then an identical flight saved and landed, then it joined.
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(recorded.headers["x-tapedeck"] == "miss")
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let key = try Self.flightKey()
        let parked = try (0..<2).map { _ in try requests.exchange(key: key.key, store: proxy.engine.store) }
        guard case .leader(let flight) = proxy.engine.coalescer.join(key, exchange: parked[0].exchange, resolved: parked[0].resolved) else {
            Issue.record("the first join leads")
            return
        }
        _ = proxy.engine.coalescer.join(key, exchange: parked[1].exchange, resolved: parked[1].resolved)

        #expect(proxy.engine.serveLanded(flight))
        for client in parked.map(\.client) {
            let response = try #require(try client.readResponse())
            #expect(response.headers["x-tapedeck"] == "hit")
            #expect(response.headers["x-tapedeck-coalesced"] == nil)
            #expect(sameJSON(try json(response.body).at("output"), try json(recorded.body).at("output")))
        }
        #expect(proxy.engine.coalescer.flightCount == 0)
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func aLeaderWithNothingRecordedForwards() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let key = try Self.flightKey()
        let parked = try requests.exchange(key: key.key, store: proxy.engine.store)
        guard case .leader(let flight) = proxy.engine.coalescer.join(key, exchange: parked.exchange, resolved: parked.resolved) else {
            Issue.record("the first join leads")
            return
        }
        #expect(!proxy.engine.serveLanded(flight))
        #expect(proxy.engine.coalescer.flightCount == 1, "the flight stays for its upstream call")
    }

    @Test func passthroughMakesOneCallPerRequest() throws {
        let count = 4
        let barrier = Barrier(parties: count)
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(mode: .passthrough, origin: { request in
            // Every call is at the origin at once: no request waited for another.
            barrier.arriveAndWait()
            return answers.handler(request)
        })
        defer { proxy.stop() }

        let responses = try Self.concurrently(count, meanwhile: {}) { _ in
            try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        }
        #expect(!barrier.timedOut)
        #expect(proxy.origin.requests.count == count)
        #expect(Set(responses.map(\.text)).count == count, "each request got its own answer")
        #expect(responses.allSatisfy { $0.headers["x-tapedeck"] == "passthrough" && $0.headers["x-tapedeck-coalesced"] == nil })
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func recordModeSharesTheCallAndRecordsOnce() throws {
        let latch = Latch()
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(mode: .record, origin: { request in
            latch.wait()
            return answers.handler(request)
        })
        defer { proxy.stop() }
        let key = try Self.flightKey()

        let responses = try Self.concurrently(4, meanwhile: {
            Self.open(latch) { proxy.origin.requests.count == 1 && proxy.engine.coalescer.followerCount(for: key) == 3 }
        }) { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }

        #expect(proxy.origin.requests.count == 1)
        #expect(responses.allSatisfy { $0.headers["x-tapedeck"] == "record" && $0.body == responses[0].body })
        #expect(responses.filter { $0.headers["x-tapedeck-coalesced"] == "true" }.count == 3)
        #expect(proxy.storedFiles().count == 1)
        let again = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(again.headers["x-tapedeck"] == "record", "record mode forwards every request that is not in flight")
        #expect(proxy.origin.requests.count == 2)
    }
}
