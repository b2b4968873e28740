import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `kill -9` of the real `tapedeck serve` in the middle of a burst of recordings, for both stores: whatever is left
/// is whole. `verify` passes, every cassette decodes to exactly what upstream sent for its request, every miss a
/// client was answered is stored whole or not at all, and a new serve replays what is there.
///
/// Answered means stored: a miss's last byte leaves after its cassette is written, so every miss a client was
/// answered before the kill is in the store, whole.
@Suite(.tags(.slow)) struct ServeCrashSlowTests {
    /// Answers large enough that writing one takes a moment.
    static let padding = 24 * 1024

    /// What one client received.
    struct Answer: Sendable {
        let question: String
        let stream: Bool
        let key: String
        let outcome: String
        let body: [UInt8]
    }

    /// Request `index`: converse for even ones, converse-stream for odd ones.
    static func question(_ index: Int) -> String { "crash test question \(index)" }
    static func isStream(_ index: Int) -> Bool { index % 2 == 1 }
    static func path(stream: Bool) -> String { stream ? StreamFrames.streamPath : ProxyHarness.haikuPath }

    /// Sends request `index` on a fresh connection; the answer if it arrived whole, nil if the server went away.
    static func send(_ index: Int, port: Int) -> Answer? {
        let stream = isStream(index)
        do {
            let client = try RawClient(port: port)
            try client.send("POST", path(stream: stream), headers: [("Content-Type", "application/json")],
                            body: Array(EchoOrigin.requestBody(question(index)).utf8))
            let head: String
            let body: [UInt8]
            if stream {
                let (streamHead, chunks, finished) = try client.readStream()
                guard finished else { return nil }
                head = streamHead
                body = chunks.flatMap { $0 }
            } else {
                guard let response = try client.readResponse(), response.headers["Content-Length"] == "\(response.body.count)" else {
                    return nil
                }
                head = "HTTP/1.1 \(response.status)\r\n" + response.headers.map { "\($0.name): \($0.value)\r\n" }.joined()
                body = response.body
            }
            guard head.hasPrefix("HTTP/1.1 200") else { return nil }
            func header(_ name: String) -> String {
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) } ?? ""
            }
            return Answer(question: question(index), stream: stream, key: header("x-tapedeck-key"), outcome: header("x-tapedeck"), body: body)
        } catch {
            return nil
        }
    }

    /// Whether `cassette` holds exactly what the origin sent for its own request.
    static func holdsWhatTheOriginSent(_ cassette: Cassette) throws -> Bool {
        guard let question = EchoOrigin.question(JSONWriter.compact(cassette.request)) else { return false }
        switch cassette.response.content {
        case .body(let body):
            guard cassette.operation == .converse else { return false }
            return sameJSON(body, try json(EchoOrigin.converseBody(question, padding: padding)))
        case .events(let events):
            let sent = try StreamFrames.decode(EchoOrigin.streamFrames(question, padding: padding).flatMap { $0 })
            guard cassette.operation == .converseStream, events.count == sent.count else { return false }
            for (event, frame) in zip(events, sent) {
                guard event.type == frame.stringHeader(":event-type"), sameJSON(event.payload, try json(frame.payload)) else { return false }
            }
            return true
        case .bytes:
            return false
        }
    }

    /// A hit's answer without the fake metrics a replay puts in, for comparing with what the origin sent.
    static func withoutMetrics(_ body: [UInt8], stream: Bool) throws -> [JSONValue] {
        guard stream else { return [try json(body).removing(path: "metrics")] }
        return try StreamFrames.decode(body).map { try json($0.payload).removing(path: "metrics") }
    }

    /// 24 clients, 240 requests, killed right after the 60th answer.
    @Test(arguments: StoreKind.allCases)
    func killNineDuringABurstOfRecordingsLeavesOnlyWholeCassettes(_ kind: StoreKind) throws {
        try killNine(kind, clients: 24, requests: 240, killAfterAnswers: 60, run: 0)
    }

    /// 4 clients, killed right after the k-th complete answer, k drawn from the run's seed; three runs per store.
    @Test(arguments: StoreKind.allCases, 1...3)
    func killNineRightAfterTheKthAnswerLosesNoAnsweredMiss(_ kind: StoreKind, run: Int) throws {
        var generator = ConverseFixtures.SeededGenerator(state: TestSeed.value &+ UInt64(run * 2 + (kind == .json ? 0 : 1)))
        try killNine(kind, clients: 4, requests: 80, killAfterAnswers: Int.random(in: 1...40, using: &generator), run: run)
    }

    /// Runs serve on `kind`, sends `requests` distinct requests (Converse and ConverseStream in turn) from
    /// `clients` connections at once, kills serve with SIGKILL right after the `killAfterAnswers`-th complete answer,
    /// and checks what the store holds.
    func killNine(_ kind: StoreKind, clients: Int, requests: Int, killAfterAnswers: Int, run: Int) throws {
        let context = "\(kind.rawValue) run \(run), kill after answer \(killAfterAnswers), \(TestSeed.replay)"
        let origin = try TestOrigin(handler: EchoOrigin.handler(padding: { _ in Self.padding }))
        defer { origin.stop() }
        let scratch = try ScratchDirectory("crash-\(kind.rawValue)-\(run)")
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let serve = try ServeProcess(["--store", spec, "--upstream", origin.baseURL, "--quiet"])
        defer { serve.kill() }

        let next = Mutex(0)
        let answers = Mutex<[Answer]>([])
        let group = DispatchGroup()
        for _ in 0..<clients {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < requests else { return }
                    guard let answer = Self.send(index, port: serve.port) else { continue }
                    let count = answers.withLock { list -> Int in
                        list.append(answer)
                        return list.count
                    }
                    // Exactly one client sees the count reach it; the others are mid-request.
                    if count == killAfterAnswers { kill(serve.pid, SIGKILL) }
                }
            }.start()
        }
        group.wait()
        serve.kill()
        #expect(serve.process.terminationReason == .uncaughtSignal && serve.process.terminationStatus == SIGKILL)
        let received = answers.withLock { $0 }
        #expect(received.count >= killAfterAnswers, "\(context)")
        #expect(received.count < requests, "the kill came while requests were in flight (\(context))")
        for answer in received {
            #expect(answer.outcome == "miss", "\(answer.question): every request is distinct")
            let sent = answer.stream ? EchoOrigin.streamFrames(answer.question, padding: Self.padding).flatMap { $0 }
                                     : EchoOrigin.converseBody(answer.question, padding: Self.padding)
            #expect(answer.body == sent, "\(answer.question): the client got what upstream sent")
        }

        let verify = try TapedeckBinary.run(["verify", "--store", spec])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let store = try StoreLocation.open(spec)
        let entries = try store.entries()
        #expect(!entries.isEmpty, "some recordings reached the store before the kill")
        var stored: [Cassette] = []
        for entry in entries {
            let cassette = try #require(try store.load(entry.key), "\(entry.location) decodes")
            #expect(try Self.holdsWhatTheOriginSent(cassette), "\(entry.location) holds what the origin sent for its request")
            stored.append(cassette)
        }
        for answer in received {
            guard let key = CacheKey(hex: answer.key) else {
                Issue.record("\(answer.question): no key in the answer")
                continue
            }
            // Answered means stored, whole (checked above, as every cassette is).
            let cassette = try #require(try store.load(key), "\(answer.question) was answered but is not in the store (\(context))")
            #expect(EchoOrigin.question(JSONWriter.compact(cassette.request)) == answer.question)
        }
        if kind == .json {
            // A write the kill cut short leaves at most a temporary file, never a cassette-named one; a miss it cut
            // short may leave its lease's hidden lock file, stale now that its owner is gone.
            let files = CassetteFixtures.tree(scratch("cassettes")).filter { $0.contains("/") }
            let cassettes = files.filter { !$0.split(separator: "/").last!.hasPrefix(".") }
            #expect(cassettes.count == entries.count, "\(cassettes)")
            #expect(files.allSatisfy { !$0.split(separator: "/").last!.hasPrefix(".") || $0.hasSuffix(".tmp") || $0.hasSuffix(".lock") }, "\(files)")
            let locks = files.filter { $0.hasSuffix(".lock") }
            for lock in locks {
                let lease = try MissLease(json: try JSONParser.parse(try CassetteFixtures.read(scratch("cassettes/\(lock)"))))
                #expect(lease.owner.pid == serve.pid && lease.isStale(staleAfterMs: 3_600_000), "\(lock) is the killed serve's")
            }
            print("ServeCrashSlowTests[\(context)]: \(received.count) answered, \(entries.count) cassettes stored, \(files.count - cassettes.count - locks.count) temporary files and \(locks.count) stale leases left by the kill")
        } else {
            print("ServeCrashSlowTests[\(context)]: \(received.count) answered, \(entries.count) cassettes stored")
        }

        // A new serve on the same store, offline: everything that is there replays as it was recorded.
        let replay = try ServeProcess(["--store", spec, "--quiet"])
        defer { replay.kill() }
        #expect(replay.lines.contains { $0.contains(" cassettes=\(stored.count) ") }, "\(replay.lines)")
        for cassette in stored {
            let question = try #require(EchoOrigin.question(JSONWriter.compact(cassette.request)))
            let stream = cassette.operation == .converseStream
            let hit = try replay.post(Self.path(stream: stream), body: EchoOrigin.requestBody(question))
            #expect(hit.status == 200)
            #expect(hit.headers["x-tapedeck"] == "hit")
            let sent = stream ? EchoOrigin.streamFrames(question, padding: Self.padding).flatMap { $0 }
                              : EchoOrigin.converseBody(question, padding: Self.padding)
            let replayed = try Self.withoutMetrics(hit.body, stream: stream)
            let original = try Self.withoutMetrics(sent, stream: stream)
            #expect(replayed.count == original.count && zip(replayed, original).allSatisfy { sameJSON($0, $1) }, "\(question)")
        }
        #expect(replay.stop() == 0)
    }
}
