import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

/// Two real `tapedeck serve` processes recording into and replaying from one SQLite file at the same time.
@Suite struct SQLiteTwoProcessTests {
    static let model = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    static let path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"

    /// The text of request `index`; every one is distinct, so every one is its own cassette.
    static func text(_ index: Int) -> String { "request \(index) ✓ ünï" }

    /// A Converse request asking `text`.
    static func body(_ text: String) -> [UInt8] {
        JSONWriter.compact(.object([JSONMember("messages", .array([.object([
            JSONMember("role", .string("user")),
            JSONMember("content", .array([.object([JSONMember("text", .string(text))])])),
        ])]))]))
    }

    /// The origin's answer to `request`: a Converse body echoing the question's text.
    static func echo(_ request: TestOrigin.Request) -> TestOrigin.Reply {
        let asked: String
        do {
            let text = try JSONParser.parse(request.body)["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]
            asked = text?.stringValue ?? "?"
        } catch {
            return .response(status: 400, body: Array("\(error)".utf8))
        }
        let body = JSONWriter.compact(.object([
            JSONMember("output", .object([JSONMember("message", .object([
                JSONMember("role", .string("assistant")),
                JSONMember("content", .array([.object([JSONMember("text", .string("echo: \(asked)"))])])),
            ]))])),
            JSONMember("stopReason", .string("end_turn")),
            JSONMember("usage", .object([
                JSONMember("inputTokens", .number("5")), JSONMember("outputTokens", .number("5")), JSONMember("totalTokens", .number("10")),
            ])),
            JSONMember("metrics", .object([JSONMember("latencyMs", .number("7"))])),
        ]))
        return .response(headers: [("Content-Type", "application/json")], body: body)
    }

    /// Sends request `index` on `client` and returns what is wrong with the answer, or nil.
    static func check(_ client: RawClient, index: Int, outcome: String) throws -> String? {
        let body = body(text(index))
        try client.send(Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        guard let response = try client.readResponse() else { return "request \(index): connection closed" }
        guard response.status == 200 else { return "request \(index): status \(response.status): \(response.text)" }
        guard response.headers["x-tapedeck"] == outcome else {
            return "request \(index): x-tapedeck \(response.headers["x-tapedeck"] ?? "missing"), not \(outcome)"
        }
        let answer = try JSONParser.parse(response.body)["output"]?["message"]?["content"]?.arrayValue?.first?["text"]
        guard answer == .string("echo: \(text(index))") else { return "request \(index): answer \(String(describing: answer))" }
        return nil
    }

    /// Runs `threads` threads at once; thread `t` talks to `ports[t % 2]` about every index `i` with `i % threads == t`.
    static func exchange(ports: [Int], threads: Int, count: Int, outcome: String) -> [String] {
        let problems = Mutex<[String]>([])
        let group = DispatchGroup()
        let barrier = Barrier(parties: threads)
        for thread in 0..<threads {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let client = try RawClient(port: ports[thread % 2])
                    barrier.arriveAndWait()
                    for index in stride(from: thread, to: count, by: threads) {
                        if let problem = try check(client, index: index, outcome: outcome) { problems.withLock { $0.append(problem) } }
                    }
                } catch {
                    problems.withLock { $0.append("thread \(thread): \(error)") }
                }
            }.start()
        }
        group.wait()
        return problems.withLock { $0 }
    }

    @Test func twoProcessesRecordIntoOneFileAndReplayEachOthersCassettes() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let origin = try TestOrigin(handler: Self.echo)
        defer { origin.stop() }
        let file = scratch("shared.db")
        let count = 300, threads = 6
        let (recorded, replayed, lines, exits) = try await onOwnThread { () throws -> ([String], [String], [String], [String]) in
            // Both start at once on a file that does not exist yet, so they also race to create and migrate it.
            let processes = try (0..<2).map { _ in
                try TapedeckBinary.Running([
                    "serve", "--port", "0", "--store", "sqlite:\(file)", "--upstream", origin.baseURL, "--quiet",
                ])
            }
            var ports: [Int] = []
            for process in processes {
                guard let port = process.waitForPort() else {
                    return (["no listening line"], [], processes.flatMap(\.lines), [])
                }
                ports.append(port)
            }
            let recorded = Self.exchange(ports: ports, threads: threads, count: count, outcome: "miss")
            // A miss is answered before its cassette is written; wait (a condition, up to 30 s) until every write landed.
            for _ in 0..<3000 {
                if (try? SQLiteFixtures.text("SELECT count(*) FROM cassettes", on: file)) == String(count) { break }
                usleep(10_000)
            }
            // Every cassette replays through the process that did not record it.
            let replayed = Self.exchange(ports: ports.reversed(), threads: threads, count: count, outcome: "hit")
            for process in processes { process.send(SIGTERM) }
            var exits: [String] = []
            for process in processes {
                _ = process.waitForLine(containing: "stopped")
                let (status, reason) = process.waitForExit()
                exits.append(reason == .exit ? "exit \(status)" : "signal \(status)")
            }
            return (recorded, replayed, processes.flatMap(\.lines), exits)
        }
        #expect(recorded == [], "stderr: \(lines)")
        #expect(replayed == [], "stderr: \(lines)")
        #expect(exits == ["exit 0", "exit 0"], "stderr: \(lines)")
        #expect(lines.filter { $0.contains("store=sqlite:\(file)") }.count == 2)
        #expect(!lines.contains { $0.contains("error") || $0.contains("warning") }, "\(lines)")
        #expect(origin.requests.count == count)
        #expect(try SQLiteFixtures.text("PRAGMA integrity_check", on: file) == "ok")
        #expect(try SQLiteStore(path: file).count() == count)
    }
}
