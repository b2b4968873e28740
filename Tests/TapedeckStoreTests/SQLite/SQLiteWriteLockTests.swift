import Foundation
import Glibc
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

/// Another process holding the SQLite store's write lock (a `tapedeck import`, a second serve mid-write) holds up
/// only what must write: a miss's answer waits for its recording, while hits, on cassettes served before and on
/// ones not yet served, keep flowing on other connections.
@Suite struct SQLiteWriteLockTests {
    @Test func hitsFlowWhileAnotherProcessHoldsTheWriteLockAndTheMissIsAnsweredOnceStored() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = scratch("tapes.db")
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let serve = try ServeProcess(["--store", "sqlite:\(file)", "--upstream", origin.baseURL, "--quiet"])
        defer { serve.kill() }
        func ask(_ question: String, stream: Bool = false) throws -> RawResponse {
            try serve.post(stream ? StreamFrames.streamPath : ProxyHarness.haikuPath, body: EchoOrigin.requestBody(question))
        }
        for question in ["warm", "cold", "cold stream"] {
            #expect(try ask(question, stream: question.hasSuffix("stream")).headers["x-tapedeck"] == "miss")
        }
        #expect(try ask("warm").headers["x-tapedeck"] == "hit")

        // Another process takes the write lock and keeps it until the hits are done.
        let holder = try SQLiteDatabase(path: file)
        try holder.execute("BEGIN IMMEDIATE")
        try holder.execute("INSERT INTO misses(namespace, model_id, count) VALUES('', 'lock holder', 1)")

        // A miss: upstream answers, its recording waits for the lock, and so does its answer.
        let miss = try RawClient(port: serve.port)
        try miss.send("POST", ProxyHarness.haikuPath, headers: [("Content-Type", "application/json")],
                      body: Array(EchoOrigin.requestBody("recorded while locked").utf8))
        #expect(waitUntil { origin.requests.count == 4 }, "upstream has the miss")

        // Hits complete, one after another, while the miss has not been answered.
        for round in 0..<20 {
            for (question, stream) in [("warm", false), ("cold", false), ("cold stream", true), ("warm", true)] {
                let hit = try ask(question, stream: stream)
                #expect(hit.status == 200 && hit.headers["x-tapedeck"] == "hit", "round \(round): \(question)")
            }
        }
        #expect(!miss.hasSomethingToRead, "the miss is not answered while its recording cannot be written")
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM cassettes", on: file) == [["3"]])

        // The lock goes; the recording is written, and then the answer leaves.
        try holder.execute("COMMIT")
        let answer = try #require(try miss.readResponse())
        #expect(answer.status == 200 && answer.headers["x-tapedeck"] == "miss")
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM cassettes", on: file) == [["4"]])
        #expect(try ask("recorded while locked").headers["x-tapedeck"] == "hit")
        #expect(origin.requests.count == 4)
        #expect(serve.stop() == 0)
    }
}
