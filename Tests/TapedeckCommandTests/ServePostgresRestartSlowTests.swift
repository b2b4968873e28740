import Foundation
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

/// A database restart while `tapedeck serve` runs: its pooled connections die with the old server, and the next
/// requests are still answered on new ones, their recordings landing in the restarted database.
@Suite(.tags(.slow), .enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct ServePostgresRestartSlowTests {
    @Test func requestsAfterARestartAreAnsweredAndTheirRecordingsLand() throws {
        // A server of its own: restarting the shared one would cut every other test's connections.
        let server = try PostgresServer()
        defer { server.destroy() }
        let url = try server.newDatabase()
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let serve = try ServeProcess(["--store", url, "--upstream", origin.baseURL])
        defer { serve.kill() }
        let before = EchoOrigin.requestBody("asked before the restart")
        #expect(try serve.post(ProxyHarness.haikuPath, body: before).status == 200)
        #expect(waitUntil { (try? PostgresStore(url: url).count()) == 1 })

        server.stop()
        try server.start()

        let hit = try serve.post(ProxyHarness.haikuPath, body: before)
        #expect(hit.status == 200)
        #expect(hit.headers["x-tapedeck"] == "hit")
        let after = try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody("asked after the restart"))
        #expect(after.status == 200)
        #expect(waitUntil { (try? PostgresStore(url: url).count()) == 2 }, "the recording after the restart landed")
        #expect(!serve.lines.contains { $0.contains(server.password) })
        #expect(serve.stop() == 0)
        print("restart log:\n" + serve.lines.joined(separator: "\n"))
    }
}
