import Dispatch
import Testing
@testable import TapedeckUpstream
import TapedeckTestSupport

/// The client's thread and multi handle: streaming, connection reuse, concurrency, failures, shutdown.
@Suite struct UpstreamClientTests {
    @Test func chunkedResponseIsDeliveredChunkByChunkInOrder() async throws {
        let parts = ["event-1", "event-2 longer", "event-3"].map { Array($0.utf8) }
        // Each chunk after the first waits until the client has handed the previous one to the handler,
        // so curl cannot merge them and the test needs no timing.
        let seen = DispatchSemaphore(value: 0)
        let waitForPrevious: @Sendable () -> Void = { _ = seen.wait(timeout: .now() + 10) }
        let chunks = parts.enumerated().map { index, bytes -> TestOrigin.Chunk in
            TestOrigin.Chunk(bytes, before: index == 0 ? nil : waitForPrevious)
        }
        let origin = try TestOrigin { _ in
            .chunked(headers: [("Content-Type", "application/vnd.amazon.eventstream")], chunks: chunks)
        }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let handler = RecordingHandler { _ in seen.signal() }

        client.send(UpstreamRequest(url: origin.url("/model/m/converse-stream")), handler: handler)
        let result = await handler.finished()

        #expect(throws: Never.self) { try result.get() }
        #expect(handler.events == [.head(200)] + parts.map { .body($0) } + [.finish(succeeded: true)])
        #expect(handler.headers.map(\.name) == ["Content-Type", "Transfer-Encoding"])
    }

    @Test func emptyBodyStillDeliversTheHeadBeforeFinishing() async throws {
        let origin = try TestOrigin { _ in .response(status: 204) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let handler = RecordingHandler()

        client.send(UpstreamRequest(url: origin.url("/x")), handler: handler)
        _ = await handler.finished()

        #expect(handler.events == [.head(204), .finish(succeeded: true)])
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let origin = try TestOrigin { request in .ok("answer to \(request.bodyText)") }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        for index in 0..<5 {
            let request = UpstreamRequest(url: origin.url("/x"), body: Array("q\(index)".utf8))
            let response = try await client.response(to: request).get()
            #expect(response.body == Array("answer to q\(index)".utf8))
        }

        #expect(origin.requests.count == 5)
        #expect(origin.acceptedConnections == 1)
    }

    @Test(arguments: [2, 8])
    func requestsInFlightAreNotSerialized(count: Int) async throws {
        // Every request is held at the origin until all `count` have arrived; a client that sent them one
        // after another would leave the first waiting alone until the barrier gives up.
        let barrier = Barrier(parties: count)
        let origin = try TestOrigin { request in
            barrier.arriveAndWait()
            return .ok(request.bodyText)
        }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<count {
                group.addTask {
                    let request = UpstreamRequest(url: origin.url("/x"), body: Array("r\(index)".utf8))
                    return String(decoding: try await client.response(to: request).get().body, as: UTF8.self)
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }

        #expect(bodies == Set((0..<count).map { "r\($0)" }))
        #expect(origin.maxConcurrentRequests == count)
        #expect(!barrier.timedOut)
    }

    @Test func manyRequestsInFlightAllGetTheirOwnAnswer() async throws {
        let origin = try TestOrigin { request in .ok("re: " + request.bodyText) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let count = 200

        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask {
                    let request = UpstreamRequest(url: origin.url("/x"), body: Array("q\(index)".utf8))
                    return try await client.response(to: request).get().body != Array("re: q\(index)".utf8)
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }

        #expect(mismatches == 0)
        #expect(origin.requests.count == count)
    }

    @Test func refusedConnectionNamesTheURLButNoCredential() async throws {
        let client = UpstreamClient()
        defer { client.shutdown() }

        let result = await client.response(to: UpstreamRequest(url: "http://user:secret@127.0.0.1:1/x?token=t0k3n"))

        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.code == .couldNotConnect)
        #expect(error.url == "http://127.0.0.1:1/x")
        #expect(error.description.contains("http://127.0.0.1:1/x"))
        #expect(error.description.contains("Couldn't connect to server"))
        #expect(!error.description.contains("secret"))
        #expect(!error.description.contains("user"))
        #expect(!error.description.contains("t0k3n"))
    }

    @Test func slowUpstreamTimesOut() async throws {
        let origin = try TestOrigin { _ in TestOrigin.Reply.ok("late").delayed(by: 30_000) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let result = await client.response(to: UpstreamRequest(url: origin.url("/x"), timeoutSeconds: 1))

        guard case .failure(let error) = result else {
            Issue.record("expected a timeout, got \(result)")
            return
        }
        #expect(error.code == .operationTimedOut)
        #expect(error.description.contains(origin.url("/x")))
    }

    @Test func bodyCutOffMidwayIsAFailureAfterThePartialBody() async throws {
        let origin = try TestOrigin { _ in .truncated(declaredLength: 100, sent: Array("partial".utf8)) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let handler = RecordingHandler()

        client.send(UpstreamRequest(url: origin.url("/x")), handler: handler)
        let result = await handler.finished()

        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.code == .partialFile)
        #expect(handler.events.first == .head(200))
        #expect(handler.events.contains(.body(Array("partial".utf8))))
        #expect(handler.events.last == .finish(succeeded: false))
    }

    @Test func shutdownWithARequestInFlightEndsItWithAnError() async throws {
        // The origin answers only once the test is over, however long the run keeps this test from going on.
        let gate = Gate()
        let origin = try TestOrigin { _ in
            gate.wait()
            return TestOrigin.Reply.ok("never")
        }
        defer { origin.stop() }
        defer { gate.open() }
        let client = UpstreamClient()
        let handler = RecordingHandler()

        client.send(UpstreamRequest(url: origin.url("/x")), handler: handler)
        #expect(try await eventually { origin.requests.count == 1 })
        client.shutdown()
        let result = await handler.finished()

        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.code == .abortedByCallback)
        #expect(error.message == "upstream client shut down")
    }

    @Test func sendAfterShutdownFailsAtOnce() async throws {
        let client = UpstreamClient()
        client.shutdown()
        client.shutdown()

        let result = await client.response(to: UpstreamRequest(url: "http://127.0.0.1:1/x"))

        guard case .failure(let error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.code == .abortedByCallback)
    }
}
