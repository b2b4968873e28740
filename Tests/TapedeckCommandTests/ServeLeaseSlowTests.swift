import Dispatch
import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

/// Two real `tapedeck serve` processes on one store: identical concurrent misses make one upstream call between
/// them (the store's lease), and a holder killed with SIGKILL hands the call to the other.
///
/// The origin holds its first answer behind a gate that opens once the other process has said it is waiting, so
/// the requests overlap by the processes' own signals, never by a clock.
@Suite(.tags(.slow)) struct ServeLeaseSlowTests {
    static let clients = 32
    static let waitingLine = "waiting for another process's recording"

    /// The origin: counts calls; the first waits at `gate` (or until the origin stops).
    final class HeldOrigin: Sendable {
        let gate = DispatchGroup()
        let calls = Mutex(0)
        let origin: TestOrigin

        init() throws {
            gate.enter()
            let echo = EchoOrigin.handler()
            let (gate, calls) = (gate, calls)
            origin = try TestOrigin { request in
                let call = calls.withLock { count -> Int in
                    count += 1
                    return count
                }
                if call == 1 { _ = gate.wait(timeout: .now() + 60) }
                return echo(request)
            }
        }

        var count: Int { calls.withLock { $0 } }
        func release() { gate.leave() }
    }

    /// What one client got: its status, `x-tapedeck`, and the answer without the metrics a replay makes up.
    struct Answer: Sendable, Equatable {
        let status: Int
        let outcome: String
        let content: [JSONValue]
    }

    /// Sends the question to `port` and reads the whole answer.
    static func ask(_ question: String, port: Int, stream: Bool) throws -> Answer {
        let client = try RawClient(port: port)
        try client.send("POST", stream ? StreamFrames.streamPath : ProxyHarness.haikuPath, headers: [("Content-Type", "application/json")],
                        body: Array(EchoOrigin.requestBody(question).utf8))
        if stream {
            let (head, chunks, finished) = try client.readStream()
            let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            let outcome = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-tapedeck: ") }.map { String($0.dropFirst(12)) } ?? ""
            let events = finished ? try StreamFrames.decode(chunks.flatMap { $0 }).map { try JSONParser.parse($0.payload).removing(path: "metrics").sortedKeys } : []
            return Answer(status: status, outcome: outcome, content: events)
        }
        guard let response = try client.readResponse() else { return Answer(status: 0, outcome: "", content: []) }
        let body = response.status == 200 ? [try JSONParser.parse(response.body).removing(path: "metrics").sortedKeys] : []
        return Answer(status: response.status, outcome: response.headers["x-tapedeck"] ?? "", content: body)
    }

    /// Whether either process has said it waits for the other's recording (checked every 2 ms, up to 20 s).
    static func oneWaits(_ serves: [ServeProcess]) -> Bool {
        waitUntil { serves.contains { $0.lines.contains { $0.contains(waitingLine) } } }
    }

    @Test(arguments: StoreKind.allCases, [false, true])
    func identicalMissesSentToTwoProcessesOnOneStoreMakeOneUpstreamCall(_ kind: StoreKind, stream: Bool) throws {
        let held = try HeldOrigin()
        defer { held.origin.stop() }
        let scratch = try ScratchDirectory("lease-\(kind.rawValue)-\(stream)")
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let serves = try (0..<2).map { _ in try ServeProcess(["--store", spec, "--upstream", held.origin.baseURL]) }
        defer { for serve in serves { serve.kill() } }

        let answers = Mutex<[Answer]>([])
        let failures = Mutex<[String]>([])
        let start = Barrier(parties: Self.clients)
        let group = DispatchGroup()
        for index in 0..<Self.clients {
            group.enter()
            Thread {
                defer { group.leave() }
                start.arriveAndWait()
                do {
                    let answer = try Self.ask("one question for two processes", port: serves[index % 2].port, stream: stream)
                    answers.withLock { $0.append(answer) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        // One process holds the lease and has called upstream; the other waits for its recording.
        #expect(waitUntil { held.count == 1 })
        #expect(Self.oneWaits(serves), "\(serves.map(\.lines))")
        held.release()
        group.wait()

        #expect(held.count == 1, "one upstream call between both processes")
        #expect(failures.withLock { $0 } == [])
        let received = answers.withLock { $0 }
        #expect(received.count == Self.clients)
        #expect(received.allSatisfy { $0.status == 200 })
        #expect(received.allSatisfy { $0.content == received.first?.content }, "everyone got the same answer")
        #expect(received.first?.content.isEmpty == false)
        #expect(received.contains { $0.outcome == "hit" }, "the waiting process answered from the other's recording")
        // The lease is let go once the recording is written, right after the answers leave.
        #expect(waitUntil { (try? LeaseFixtures.count(in: spec)) == 0 }, "every lease let go")
        #expect(try StoreLocation.open(spec).count() == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func aHolderKilledMidCallLeavesAStaleLeaseTheOtherTakesOver(_ kind: StoreKind) throws {
        let held = try HeldOrigin()
        defer {
            held.release()
            held.origin.stop()
        }
        let scratch = try ScratchDirectory("lease-kill-\(kind.rawValue)")
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let holder = try ServeProcess(["--store", spec, "--upstream", held.origin.baseURL])
        defer { holder.kill() }
        let other = try ServeProcess(["--store", spec, "--upstream", held.origin.baseURL])
        defer { other.kill() }
        let question = "who answers after a kill -9"

        // Each client on a thread of its own, never on Swift concurrency's pool, which other tests' waits can fill.
        let lostDone = DispatchSemaphore(value: 0)
        Thread {
            _ = try? Self.ask(question, port: holder.port, stream: false)
            lostDone.signal()
        }.start()
        // The holder's call waits at the origin; the other process's identical request waits for the holder.
        #expect(waitUntil { held.count == 1 })
        let answer = Mutex<Result<Answer, any Error>?>(nil)
        let answered = DispatchSemaphore(value: 0)
        Thread {
            let result = Result { try Self.ask(question, port: other.port, stream: false) }
            answer.withLock { $0 = result }
            answered.signal()
        }.start()
        #expect(other.waitForLine(containing: Self.waitingLine) != nil)
        #expect(try LeaseFixtures.count(in: spec) == 1)

        holder.kill()
        #expect(holder.process.terminationStatus == SIGKILL)
        answered.wait()
        let got = try #require(try answer.withLock { $0 }?.get())
        #expect(got.status == 200)
        #expect(got.outcome == "miss")
        #expect(got.content == [try JSONParser.parse(EchoOrigin.converseBody(question)).removing(path: "metrics").sortedKeys])
        #expect(held.count == 2, "the other process went upstream itself")
        #expect(waitUntil { (try? LeaseFixtures.count(in: spec)) == 0 }, "the dead holder's lease was taken over, then let go")
        #expect(try StoreLocation.open(spec).count() == 1)
        lostDone.wait()
    }
}
