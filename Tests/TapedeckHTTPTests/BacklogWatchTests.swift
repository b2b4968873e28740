import Testing
import TapedeckSystem
@testable import TapedeckHTTP
import TapedeckTestSupport

/// A producer's watch over a streamed response's unsent output: the marks alone, then through a real socket.
@Suite struct BacklogWatchTests {
    /// Counts the callbacks of one watch.
    final class Calls: @unchecked Sendable {  // Touched under `log`'s lock only.
        let log = Mutex<[String]>([])
        var entries: [String] { log.withLock { $0 } }
        func watch(limit: Int = 10, resumeAt: Int = 2) -> BacklogWatch {
            BacklogWatch(limit: limit, resumeAt: resumeAt,
                         backedUp: { self.log.withLock { $0.append("backedUp") } },
                         drained: { self.log.withLock { $0.append("drained") } })
        }
    }

    @Test func crossingTheLimitAndTheResumeMarkAlternates() {
        let calls = Calls()
        let watch = calls.watch()
        for unsent in [0, 10, 11, 50, 3, 2, 0, 11, 1] { watch.check(unsent: unsent) }
        #expect(calls.entries == ["backedUp", "drained", "backedUp", "drained"])
    }

    @Test func releaseTellsABackedUpProducerItMayGoOnAndEndsTheWatch() {
        let calls = Calls()
        let watch = calls.watch()
        watch.check(unsent: 20)
        watch.release()
        watch.check(unsent: 30)
        watch.release()
        #expect(calls.entries == ["backedUp", "drained"])
    }

    @Test func releaseWithoutABacklogSaysNothing() {
        let calls = Calls()
        let watch = calls.watch()
        watch.check(unsent: 5)
        watch.release()
        #expect(calls.entries.isEmpty)
    }

    @Test func aClientThatStopsReadingBacksUpTheStreamAndReadingDrainsIt() throws {
        let calls = Calls()
        let responders = Mutex<[HTTPResponder]>([])
        let harness = try LoopHarness { _, responder in
            responders.withLock { $0.append(responder) }
            responder.startStream(HTTPResponse(status: 200))
            responder.watchBacklog(
                backedUp: { calls.log.withLock { $0.append("backedUp") } },
                drained: { calls.log.withLock { $0.append("drained") } })
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try client.readHead()
        let responder = try #require(responders.withLock { $0.first })
        // 8 MiB while the client reads nothing: a socketpair holds far less, so the rest stays unsent.
        let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
        for _ in 0..<128 { responder.sendChunk(chunk) }
        harness.onLoop {}
        #expect(calls.entries == ["backedUp"])

        var received = 0
        while received < 128 * chunk.count, let piece = try client.readChunk() { received += piece.count }
        responder.finishStream()
        harness.onLoop {}
        #expect(received == 128 * chunk.count)
        #expect(calls.entries == ["backedUp", "drained"])
    }
}
