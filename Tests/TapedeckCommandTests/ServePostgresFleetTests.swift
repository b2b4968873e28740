import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// What a fleet of serves on one PostgreSQL database sees of each other: a change made through one process (or a
/// store command) answered by every other as soon as its notification arrives, and hit counts that add up.
@Suite(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct ServePostgresFleetTests {
    @Test func aReRecordingOrRemovalThroughOneProcessIsAnsweredByAnotherOnItsNextRequest() async throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        // Every call upstream answers with one more dot than the last: a re-recording is told from the first.
        let calls = Mutex(0)
        let origin = try TestOrigin(handler: EchoOrigin.handler(padding: { _ in calls.withLock { $0 += 1; return $0 } }))
        defer { origin.stop() }
        let recorder = try ServeProcess(["--store", url, "--upstream", origin.baseURL, "--mode", "record"])
        let replayer = try ServeProcess(["--store", url, "--mode", "replay"])
        defer { recorder.kill(); replayer.kill() }
        let body = EchoOrigin.requestBody("asked across the fleet")

        let first = try recorder.post(ProxyHarness.haikuPath, body: body)
        #expect(first.status == 200)
        let firstAnswer = try answer(first)
        for _ in 0..<3 {
            let hit = try replayer.post(ProxyHarness.haikuPath, body: body)
            #expect(hit.headers["x-tapedeck"] == "hit")
            #expect(try answer(hit) == firstAnswer)
        }

        let second = try recorder.post(ProxyHarness.haikuPath, body: body)
        let secondAnswer = try answer(second)
        #expect(second.status == 200 && secondAnswer != firstAnswer, "record mode recorded it again")
        // The change reaches the replayer as a notification once the writer commits: its next request normally
        // sees it, one racing the notification's delivery (a loaded machine) the one after.
        var asked = 0
        #expect(waitUntil {
            asked += 1
            guard let next = try? replayer.post(ProxyHarness.haikuPath, body: body) else { return false }
            return next.headers["x-tapedeck"] == "hit" && (try? answer(next)) == secondAnswer
        }, "the replayer answers the new recording")
        print("re-recording answered by the other process on request \(asked) after it")

        let key = try #require(try PostgresStore(url: url).entries().first?.key)
        let removed = try await CommandRunner.run(["rm", String(key.hex.prefix(12)), "--store", url])
        #expect(removed.status == 0, "\(removed.stderr)")
        asked = 0
        #expect(waitUntil {
            asked += 1
            guard let next = try? replayer.post(ProxyHarness.haikuPath, body: body) else { return false }
            return next.headers["x-tapedeck"] != "hit" && next.status != 200
        }, "the replayer no longer answers the removed cassette")
        print("removal seen by the other process on request \(asked) after it")
        #expect(calls.withLock { $0 } == 2)
    }

    /// An answer's content without its metrics (a replay's latency is not the recording's).
    private func answer(_ response: RawResponse) throws -> JSONValue {
        try JSONParser.parse(response.body).removing(path: "metrics").sortedKeys
    }

    @Test func hitCountsFromTwoProcessesAddUpAfterACleanStop() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let serves = try (0..<2).map { _ in try ServeProcess(["--store", url, "--upstream", origin.baseURL]) }
        defer { for serve in serves { serve.kill() } }
        let body = EchoOrigin.requestBody("counted by two processes")
        #expect(try serves[0].post(ProxyHarness.haikuPath, body: body).headers["x-tapedeck"] != "hit")
        for (serve, hits) in zip(serves, [3, 4]) {
            for _ in 0..<hits { #expect(try serve.post(ProxyHarness.haikuPath, body: body).headers["x-tapedeck"] == "hit") }
        }
        // Stopped well inside the ledger's one-second interval: the counts still pending are written on the way out.
        for serve in serves { #expect(serve.stop() == 0) }
        let usage = try PostgresStore(url: url).usage()
        #expect(usage.hits.count == 1)
        #expect(usage.hits.values.first?.count == 7, "\(usage.hits)")
        #expect((usage.hits.values.first?.lastHitAt ?? 0) > 0)
        #expect(usage.misses.values.reduce(0, +) == 1)
    }
}
