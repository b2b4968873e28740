import Testing
import TapedeckSystem
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckProxy

/// The coalescer and its flights on their own: who leads, who follows, what each waiting client receives.
///
/// Exchanges need a real responder, so each belongs to a request parked on a real server by `ParkedRequests`.
@Suite struct MissCoalescerTests {
    static let key = CacheKey(hex: String(repeating: "ab", count: 32))!
    static let otherKey = CacheKey(hex: String(repeating: "cd", count: 32))!
    static let flightKey = MissCoalescer.FlightKey(namespace: "", key: key, operation: .converse)

    @Test func theFirstJoinLeadsAndIdenticalJoinsFollowUntilTheFlightLands() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let parked = try (0..<4).map { _ in try requests.exchange() }
        let exchanges = parked.map(\.exchange)

        guard case .leader(let flight) = coalescer.join(Self.flightKey, exchange: exchanges[0], resolved: parked[0].resolved) else {
            Issue.record("the first join leads")
            return
        }
        for follower in parked.dropFirst() {
            guard case .follower(let joined) = coalescer.join(Self.flightKey, exchange: follower.exchange, resolved: follower.resolved) else {
                Issue.record("an identical join follows")
                return
            }
            #expect(joined === flight)
        }
        #expect(coalescer.followerCount(for: Self.flightKey) == 3)
        #expect(coalescer.flightCount == 1)

        let landed = flight.land()
        #expect(landed.map(ObjectIdentifier.init) == exchanges.map(ObjectIdentifier.init), "the leader, then followers in order")
        #expect(coalescer.flightCount == 0)
        #expect(coalescer.followerCount(for: Self.flightKey) == 0)
        let next = try requests.exchange()
        guard case .leader = coalescer.join(Self.flightKey, exchange: next.exchange, resolved: next.resolved) else {
            Issue.record("after landing, the same key leads a new flight")
            return
        }
    }

    @Test func whatWaitsForALandingRunsOnceWhenTheFlightLandsOrAtOnceIfItHas() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let parked = try requests.exchange()
        guard case .leader(let flight) = coalescer.join(Self.flightKey, exchange: parked.exchange, resolved: parked.resolved) else {
            Issue.record("the first join leads")
            return
        }
        let ran = Mutex(0)
        coalescer.whenLanded(flight) { ran.withLock { $0 += 1 } }
        #expect(ran.withLock { $0 } == 0)
        _ = flight.land()
        #expect(ran.withLock { $0 } == 1)
        coalescer.remove(flight)
        #expect(ran.withLock { $0 } == 1, "a second removal runs nothing")
        coalescer.whenLanded(flight) { ran.withLock { $0 += 10 } }
        #expect(ran.withLock { $0 } == 11, "a landed flight runs it at once")
    }

    @Test func namespaceKeyAndOperationEachMakeADifferentFlight() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let keys = [
            Self.flightKey,
            MissCoalescer.FlightKey(namespace: "test_a", key: Self.key, operation: .converse),
            MissCoalescer.FlightKey(namespace: "", key: Self.otherKey, operation: .converse),
            MissCoalescer.FlightKey(namespace: "", key: Self.key, operation: .converseStream),
            MissCoalescer.FlightKey(namespace: "", key: Self.key.repeated(1), operation: .converse),
        ]
        for key in keys {
            let parked = try requests.exchange()
            guard case .leader = coalescer.join(key, exchange: parked.exchange, resolved: parked.resolved) else {
                Issue.record("\(key) leads its own flight")
                continue
            }
        }
        #expect(coalescer.flightCount == keys.count)
        #expect(keys.allSatisfy { coalescer.followerCount(for: $0) == 0 })
    }

    @Test func everyoneGetsTheSameAnswerWithTheirOwnTapedeckHeaders() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let parked = try (0..<3).map { _ in try requests.exchange(key: Self.key) }
        guard case .leader(let flight) = coalescer.join(Self.flightKey, exchange: parked[0].exchange, resolved: parked[0].resolved) else {
            Issue.record("the first join leads")
            return
        }
        for follower in parked.dropFirst() { _ = coalescer.join(Self.flightKey, exchange: follower.exchange, resolved: follower.resolved) }

        flight.send(HTTPResponse(status: 200, headers: HTTPHeaders([("x-amzn-RequestId", "upstream-1")]), body: Array("{}".utf8)),
                    outcome: .miss)
        let responses = try parked.map { try #require(try $0.client.readResponse()) }
        for response in responses {
            #expect(response.status == 200)
            #expect(response.text == "{}")
            #expect(response.headers["x-amzn-RequestId"] == "upstream-1")
            #expect(response.headers["x-tapedeck"] == "miss")
            #expect(response.headers["x-tapedeck-key"] == Self.key.hex)
        }
        #expect(responses.map { $0.headers["x-tapedeck-coalesced"] } == [nil, "true", "true"])
        #expect(coalescer.flightCount == 0)
    }

    @Test func aFollowerThatJoinsMidStreamGetsTheHeadAndChunksSoFarThenTheRest() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let leader = try requests.exchange()
        let key = MissCoalescer.FlightKey(namespace: "", key: Self.key, operation: .converseStream)
        guard case .leader(let flight) = coalescer.join(key, exchange: leader.exchange, resolved: leader.resolved) else {
            Issue.record("the first join leads")
            return
        }
        let early = try requests.exchange()
        _ = coalescer.join(key, exchange: early.exchange, resolved: early.resolved)
        flight.startStream(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])),
                           outcome: .miss)
        let chunks: [[UInt8]] = [Array("one".utf8), Array("two".utf8), Array("three".utf8)]
        flight.sendChunk(chunks[0])
        flight.sendChunk(chunks[1])
        let late = try requests.exchange()
        _ = coalescer.join(key, exchange: late.exchange, resolved: late.resolved)
        flight.sendChunk(chunks[2])
        flight.endStream(status: 200, outcome: .miss)

        for client in [leader, early, late].map(\.client) {
            let stream = try client.readStream()
            #expect(stream.head.hasPrefix("HTTP/1.1 200"))
            #expect(stream.head.contains("Content-Type: application/vnd.amazon.eventstream"))
            #expect(stream.chunks == chunks)
            #expect(stream.finished)
        }
    }

    @Test func anAbortedStreamCutsEveryoneShort() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let coalescer = MissCoalescer()
        let parked = try (0..<3).map { _ in try requests.exchange() }
        let key = MissCoalescer.FlightKey(namespace: "", key: Self.key, operation: .converseStream)
        guard case .leader(let flight) = coalescer.join(key, exchange: parked[0].exchange, resolved: parked[0].resolved) else {
            Issue.record("the first join leads")
            return
        }
        _ = coalescer.join(key, exchange: parked[1].exchange, resolved: parked[1].resolved)
        flight.startStream(HTTPResponse(status: 200), outcome: .miss)
        flight.sendChunk(Array("partial".utf8))
        _ = coalescer.join(key, exchange: parked[2].exchange, resolved: parked[2].resolved)
        flight.endStream(status: 200, outcome: .miss, cut: true)

        for client in parked.map(\.client) {
            let stream = try client.readStream()
            #expect(stream.chunks == [Array("partial".utf8)])
            #expect(!stream.finished, "the connection closed without the last chunk")
        }
        #expect(coalescer.flightCount == 0)
    }

    @Test func aFlightNobodyCanJoinStillAnswersItsLeader() throws {
        let requests = try ParkedRequests()
        defer { requests.stop() }
        let parked = try requests.exchange()
        let flight = Flight(leader: parked.exchange, resolved: parked.resolved)
        #expect(flight.key == nil)
        flight.fail(.badGateway("upstream is down"), outcome: .passthrough)
        let response = try #require(try parked.client.readResponse())
        #expect(response.status == 502)
        #expect(response.errorMessage == "upstream is down")
        #expect(response.headers["x-tapedeck-coalesced"] == nil)
    }
}
