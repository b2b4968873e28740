import Dispatch
import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

/// `tapedeck serve` and every store command on a PostgreSQL store, against a real server the suite starts: a team
/// cache shared by processes that never share a disk.
@Suite(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct ServePostgresTests {
    @Test func recordedThroughOneServeAndReplayedThroughAnotherWithTheUpstreamStopped() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        let recorder = try ServeProcess(["--store", url, "--upstream", origin.baseURL])
        let body = EchoOrigin.requestBody("a question the whole team asks")
        let recorded = try recorder.post(ProxyHarness.haikuPath, body: body)
        #expect(recorded.status == 200)
        #expect(recorded.headers["x-tapedeck"] != "hit")
        let stats = try recorder.request("GET", "/_tapedeck/stats").text
        let metrics = try recorder.request("GET", "/metrics").text
        #expect(recorder.stop() == 0)
        origin.stop()

        let replayer = try ServeProcess(["--store", url, "--mode", "replay"])
        let replayed = try replayer.post(ProxyHarness.haikuPath, body: body)
        #expect(replayed.status == 200)
        #expect(replayed.headers["x-tapedeck"] == "hit")
        #expect(try JSONParser.parse(replayed.body).removing(path: "metrics").sortedKeys == (try JSONParser.parse(recorded.body)).removing(path: "metrics").sortedKeys,
                "\(recorded.text) \(replayed.text)")
        let replayStats = try replayer.request("GET", "/_tapedeck/stats").text
        #expect(replayer.stop() == 0)

        // The secret scan: the password is in no log line, answer, stats or metrics of either process.
        let everything = [recorder.lines.joined(separator: "\n"), replayer.lines.joined(separator: "\n"), stats, metrics, replayStats,
                          recorded.text, replayed.text]
        #expect(!everything.contains { $0.contains(server.password) })
    }

    @Test func everyStoreCommandWorksOnAPostgresStoreAndNeverPrintsThePassword() async throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let scratch = try ScratchDirectory("pg-commands")
        defer { scratch.remove() }
        let store = try PostgresStore(url: url)
        let first = CassetteFixtures.cassette("first question")
        let second = CassetteFixtures.cassette("second question", answer: "another answer")
        try store.save(first)
        try store.save(second)
        try store.namespace("test_login").save(first)
        var outputs: [String] = []
        func run(_ arguments: [String]) async throws -> TapedeckBinary.Finished {
            let result = try await CommandRunner.run(arguments)
            outputs += [result.stdout, result.stderr]
            return result
        }
        #expect(try await run(["ls", "--store", url]).stdout.contains(String(first.key.hex.prefix(12))))
        #expect(try await run(["show", String(second.key.hex.prefix(12)), "--store", url]).stdout.contains("another answer"))
        #expect(try await run(["stats", "--store", url]).status == 0)
        #expect(try await run(["verify", "--store", url]).status == 0)
        #expect(try await run(["verify", "--rekey", "--store", url]).status == 0)
        let diff = try await run(["diff", String(second.key.hex.prefix(12)), String(first.key.hex.prefix(12)), "--store", url, "--namespace", ""])
        #expect(diff.status != 2 && diff.stdout.contains("\"second quest…\" → \"first questi…\""), "\(diff.stdout) \(diff.stderr)")
        // Out to JSON files and back into another database, namespaces included.
        #expect(try await run(["export", "--store", url, "--to", "json:\(scratch("out"))"]).status == 0)
        #expect(try JSONFileStore(directory: scratch("out")).count() == 2)
        #expect(try JSONFileStore(directory: scratch("out")).namespace("test_login").count() == 1)
        let copy = try server.newDatabase()
        #expect(try await run(["import", "--from", "json:\(scratch("out"))", "--store", copy]).status == 0)
        let imported = try PostgresStore(url: copy)
        #expect(try imported.count() == 2)
        #expect(try imported.namespaces() == ["test_login"])
        #expect(try imported.load(second.key) == store.load(second.key))
        #expect(try await run(["rm", String(second.key.hex.prefix(12)), "--store", url]).status == 0)
        #expect(try store.count() == 1)
        #expect(try await run(["prune", "--store", url, "--older-than", "1d"]).status == 0)
        #expect(try store.count() == 0)
        // A missing database table set is a missing store, named masked; a bad password fails without showing it.
        let empty = try server.newDatabase()
        let refused = try await run(["ls", "--store", empty])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no store at postgres://tapedeck:***@"), "\(refused.stderr)")
        let wrong = try await run(["ls", "--store", url.replacingOccurrences(of: server.password, with: "Wrong-Pass-4711")])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("password authentication failed"))
        outputs.append(try await run(["serve", "--help"]).stdout)
        #expect(!outputs.contains { $0.contains(server.password) || $0.contains("Wrong-Pass-4711") })
    }

    @Test(.tags(.slow)) func identicalMissesSentToTwoServesOnOneDatabaseMakeOneUpstreamCall() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let held = try ServeLeaseSlowTests.HeldOrigin()
        defer { held.origin.stop() }
        let serves = try (0..<2).map { _ in try ServeProcess(["--store", url, "--upstream", held.origin.baseURL]) }
        defer { for serve in serves { serve.kill() } }
        let answers = Mutex<[ServeLeaseSlowTests.Answer]>([])
        let start = Barrier(parties: ServeLeaseSlowTests.clients)
        let group = DispatchGroup()
        for index in 0..<ServeLeaseSlowTests.clients {
            group.enter()
            Thread {
                defer { group.leave() }
                start.arriveAndWait()
                if let answer = try? ServeLeaseSlowTests.ask("one question for the fleet", port: serves[index % 2].port, stream: false) {
                    answers.withLock { $0.append(answer) }
                }
            }.start()
        }
        #expect(waitUntil { held.count == 1 })
        #expect(ServeLeaseSlowTests.oneWaits(serves), "\(serves.map(\.lines))")
        held.release()
        group.wait()
        #expect(held.count == 1, "one upstream call between both processes")
        let received = answers.withLock { $0 }
        #expect(received.count == ServeLeaseSlowTests.clients)
        #expect(received.allSatisfy { $0.status == 200 && $0.content == received.first?.content })
        #expect(received.contains { $0.outcome == "hit" }, "the waiting process answered from the other's recording")
        #expect(try PostgresStore(url: url).count() == 1)
    }
}
