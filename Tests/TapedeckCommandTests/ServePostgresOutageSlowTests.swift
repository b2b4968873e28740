import Foundation
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

/// The database away while `tapedeck serve` runs, or before it starts: warm hits answered from memory, misses
/// answered from the upstream with their recordings queued and written when the database is back, and a serve
/// started first that waits for the database instead of exiting.
@Suite(.tags(.slow), .enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct ServePostgresOutageSlowTests {
    @Test func whileTheDatabaseIsAwayWarmHitsAreServedAndAMissIsAnsweredThenStoredWhenItReturns() throws {
        // A server of its own: stopping the shared one would cut every other test's connections.
        let server = try PostgresServer()
        defer { server.destroy() }
        let url = try server.newDatabase()
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let serve = try ServeProcess(["--store", url, "--upstream", origin.baseURL])
        defer { serve.kill() }
        let warm = EchoOrigin.requestBody("asked before the outage")
        #expect(try serve.post(ProxyHarness.haikuPath, body: warm).status == 200)
        #expect(try serve.post(ProxyHarness.haikuPath, body: warm).headers["x-tapedeck"] == "hit")

        server.stop()
        let hit = try serve.post(ProxyHarness.haikuPath, body: warm)
        #expect(hit.status == 200 && hit.headers["x-tapedeck"] == "hit", "a warm hit is answered from memory: \(hit.text)")
        let new = EchoOrigin.requestBody("asked during the outage")
        let miss = try serve.post(ProxyHarness.haikuPath, body: new)
        #expect(miss.status == 200 && miss.headers["x-tapedeck"] != "hit", "a miss is answered from the upstream: \(miss.text)")
        #expect(serve.waitForLine(containing: "recording queued") != nil)
        #expect(serve.waitForLine(containing: "store unreachable") != nil, "the lookup says why it asked the upstream")
        #expect(!serve.lines.contains { $0.contains("cassette unreadable") }, "a cassette never seen is not called unreadable")
        let repeated = try serve.post(ProxyHarness.haikuPath, body: new)
        #expect(repeated.headers["x-tapedeck"] == "hit", "the queued recording answers a repeat")
        #expect(origin.requests.count == 2)
        #expect(serve.waitForLine(containing: "database unreachable") != nil, "the listener notices the outage")

        try server.start()
        #expect(serve.waitForLine(containing: "database reachable again") != nil)
        #expect(serve.waitForLine(containing: "queued recordings stored") != nil, "\(serve.lines)")
        #expect(try PostgresStore(url: url).count() == 2)
        #expect(serve.stop() == 0)
        // Another process replays the outage's recording with the upstream stopped.
        origin.stop()
        let replayer = try ServeProcess(["--store", url, "--mode", "replay"])
        defer { replayer.kill() }
        #expect(try replayer.post(ProxyHarness.haikuPath, body: new).headers["x-tapedeck"] == "hit")
        let lines = serve.lines.filter { !$0.contains(" POST ") }
        print("outage log:\n" + lines.joined(separator: "\n"))
        #expect(!serve.lines.contains { $0.contains(server.password) })
        // Every line is Tapedeck's own (a timestamp first): libpq's notices, such as the server's
        // "FATAL: terminating connection", never reach serve's output.
        let foreign = serve.lines.filter { !$0.hasPrefix("20") }
        #expect(foreign.isEmpty, "\(foreign)")
    }

    @Test func serveStartedBeforeTheDatabaseWaitsForItThenServes() throws {
        let server = try PostgresServer()
        defer { server.destroy() }
        let url = try server.newDatabase()
        server.stop()
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let serve = try ServeProcess(["--store", url, "--upstream", origin.baseURL], startedWhen: "waiting for the database")
        defer { serve.kill() }
        #expect(serve.process.isRunning)
        try server.start()
        try serve.awaitListening()
        let answer = try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody("asked once the database is up"))
        #expect(answer.status == 200)
        #expect(try PostgresStore(url: url).count() == 1)
        let lines = serve.lines.filter { $0.contains("database") || $0.contains("listening") }
        print("start-up log:\n" + lines.joined(separator: "\n"))
        #expect(!serve.lines.contains { $0.contains(server.password) })
    }
}
