import Testing
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckProxy
import TapedeckTestSupport

/// One flight on its own, without the coalescer: what its leader and followers each receive, and how the one
/// upstream call it stands for is counted.
///
/// Exchanges need a real responder, so each belongs to a request parked on a real server by `ParkedRequests`.
@Suite struct FlightTests {
    static let key = CacheKey(hex: String(repeating: "ab", count: 32))!
    static let answer = HTTPResponse(
        status: 200, headers: HTTPHeaders([("Content-Type", "application/json"), ("x-amzn-RequestId", "upstream-1")]),
        body: Array(#"{"output":{}}"#.utf8))

    /// A flight whose leader is `parked[0]` and whose followers are the rest, in order.
    private static func flight(_ parked: [ParkedRequests.Parked], joinable: Bool = true) -> Flight {
        let key = joinable ? MissCoalescer.FlightKey(namespace: "", key: Self.key, operation: .converse) : nil
        let flight = Flight(leader: parked[0].exchange, resolved: parked[0].resolved, key: key, coalescer: nil)
        for follower in parked.dropFirst() { flight.add(follower: follower.exchange) }
        return flight
    }

    @Test func sendAnswersEveryoneOnceWithTheSameResponse() throws {
        let stats = ProxyStats()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<3).map { _ in try requests.exchange(key: Self.key, stats: stats) }
        let flight = Self.flight(parked)
        #expect(flight.followerCount == 2)

        flight.send(Self.answer, outcome: .miss)
        let responses = try parked.map { try #require(try $0.client.readResponse()) }
        for response in responses {
            #expect(response.status == 200)
            #expect(response.body == Self.answer.body)
            #expect(response.headers["x-amzn-RequestId"] == "upstream-1")
            #expect(response.headers["x-tapedeck"] == "miss")
            #expect(response.headers["x-tapedeck-key"] == Self.key.hex)
        }
        #expect(responses.map { $0.headers["x-tapedeck-coalesced"] } == [nil, "true", "true"])

        let snapshot = stats.snapshot()
        #expect(snapshot.requests == [.miss: 3], "each request is answered and counted once")
        #expect(snapshot.models[ProxyHarness.haiku]?.upstreamErrors == 0)
        #expect(flight.land().map(ObjectIdentifier.init) == parked.map { ObjectIdentifier($0.exchange) })
    }

    @Test func aFailedCallIsOneUpstreamErrorHoweverManyWaitedOnIt() throws {
        let stats = ProxyStats()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<3).map { _ in try requests.exchange(key: Self.key, stats: stats) }
        let flight = Self.flight(parked)

        flight.fail(.badGateway("upstream http://127.0.0.1:1 failed: Connection refused"), outcome: .miss, upstreamFailed: true)
        for client in parked.map(\.client) {
            let response = try #require(try client.readResponse())
            #expect(response.status == 502)
            #expect(response.headers["x-amzn-ErrorType"] == "BadGatewayException")
            #expect(response.errorMessage == "upstream http://127.0.0.1:1 failed: Connection refused")
        }
        let model = try #require(stats.snapshot().models[ProxyHarness.haiku])
        #expect(model.misses == 3)
        #expect(model.upstreamErrors == 1, "only the leader made the call")
    }

    @Test func aBrokenStreamIsOneUpstreamErrorAndCutsEveryoneShort() throws {
        let stats = ProxyStats()
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<3).map { _ in try requests.exchange(key: Self.key, operation: .converseStream, stats: stats) }
        let flight = Self.flight(parked)

        flight.startStream(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])), outcome: .record)
        flight.sendChunk(Array("partial".utf8))
        flight.endStream(status: 200, outcome: .record, cut: true, upstreamFailed: true)
        for client in parked.map(\.client) {
            let stream = try client.readStream()
            #expect(stream.chunks == [Array("partial".utf8)])
            #expect(!stream.finished)
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.requests == [.record: 3])
        #expect(snapshot.models[ProxyHarness.haiku]?.upstreamErrors == 1)
    }

    @Test func aStreamTellsFollowersTheyWereCoalescedAndNeverTheLeader() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<2).map { _ in try requests.exchange(key: Self.key, operation: .converseStream) }
        let flight = Self.flight(parked)
        flight.startStream(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])), outcome: .record)
        flight.sendChunk(Array("one".utf8))
        let late = try requests.exchange(key: Self.key, operation: .converseStream)
        flight.add(follower: late.exchange)
        flight.sendChunk(Array("two".utf8))
        flight.endStream(status: 200, outcome: .record)

        let heads = try (parked + [late]).map { request -> String in
            let stream = try request.client.readStream()
            #expect(stream.finished)
            return stream.head.lowercased()
        }
        #expect(heads.allSatisfy { $0.contains("x-tapedeck: record\r\n") }, "a late follower is told the stream's outcome too")
        #expect(heads.map { $0.contains("x-tapedeck-coalesced: true\r\n") } == [false, true, true])
    }

    @Test func aFlightNobodyCanJoinKeepsNoChunksForLateComers() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let leader = try requests.exchange(key: Self.key, operation: .converseStream)
        let flight = Self.flight([leader], joinable: false)
        flight.startStream(HTTPResponse(status: 200), outcome: .passthrough)
        flight.sendChunk(Array("one".utf8))
        flight.sendChunk(Array("two".utf8))
        // Nothing joins a passthrough flight; one that did anyway would get the head but none of the chunks so far.
        let late = try requests.exchange(key: Self.key, operation: .converseStream)
        flight.add(follower: late.exchange)
        flight.sendChunk(Array("three".utf8))
        flight.endStream(status: 200, outcome: .passthrough)

        #expect(try leader.client.readStream().chunks == ["one", "two", "three"].map { Array($0.utf8) })
        let lateStream = try late.client.readStream()
        #expect(lateStream.head.hasPrefix("HTTP/1.1 200"))
        #expect(lateStream.chunks == [Array("three".utf8)])
    }

    @Test func aFollowerThatJoinsBeforeTheHeadGetsTheWholeStream() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try (0..<3).map { _ in try requests.exchange(key: Self.key, operation: .converseStream) }
        let flight = Self.flight(Array(parked.prefix(2)), joinable: false)
        flight.add(follower: parked[2].exchange)
        let frames = StreamFrames.text(["Hel", "lo"])
        flight.startStream(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])), outcome: .miss)
        for frame in frames { flight.sendChunk(frame) }
        flight.endStream(status: 200, outcome: .miss)

        for client in parked.map(\.client) {
            let stream = try client.readStream()
            #expect(stream.finished)
            #expect(stream.chunks == frames)
            #expect(try StreamFrames.eventTypes(stream.chunks.flatMap { $0 }).last == "metadata")
        }
    }
}
