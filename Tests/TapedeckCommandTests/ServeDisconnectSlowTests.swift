import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// Clients of the real `tapedeck serve` that leave mid-response or mid-stream, on hits and on misses, leave nothing
/// behind: serve's open descriptors return to what they were, and its memory stays put over thousands of them.
@Suite(.tags(.slow)) struct ServeDisconnectSlowTests {
    /// Questions whose upstream answer waits until the test lets it go (after the client has left).
    static let heldPrefix = "held"
    /// Frames in the recorded stream that replays paced, so a client can leave between two of them.
    static let streamPieces = (0..<20).map { "piece \($0) " }
    /// The big hit's answer: larger than the socket buffers between serve and a client with a small window.
    static let bigAnswer = String(repeating: "0123456789abcdef", count: 3 * 65536 / 2)

    /// One way of leaving.
    enum Leave: CaseIterable {
        /// A Converse hit whose 3 MiB answer is still being written.
        case hitMidResponse
        /// A paced ConverseStream hit, after its first frame.
        case hitMidStream
        /// A Converse miss while upstream has not answered yet.
        case missMidResponse
        /// A live ConverseStream miss, after upstream's first frame.
        case missMidStream
    }

    /// Everything one run needs: the origin, serve, the recorded requests and the gate that holds upstream.
    final class Setup: @unchecked Sendable {
        let origin: TestOrigin
        let scratch: ScratchDirectory
        let serve: ServeProcess
        let release = DispatchSemaphore(value: 0)
        let bigRequest: String
        let streamRequest: String
        private let misses = Mutex(0)

        init() throws {
            let release = release
            origin = try TestOrigin { request in
                let question = EchoOrigin.question(request.body) ?? ""
                guard question.hasPrefix(ServeDisconnectSlowTests.heldPrefix) else { return EchoOrigin.handler()(request).closingConnection() }
                if request.path.hasSuffix("/converse-stream") {
                    var chunks = EchoOrigin.streamFrames(question).map { TestOrigin.Chunk($0) }
                    chunks[1].before = { release.wait() }
                    return TestOrigin.Reply.chunked(headers: StreamFrames.eventStream, chunks: chunks).closingConnection()
                }
                release.wait()
                return EchoOrigin.handler()(request).closingConnection()
            }
            scratch = try ScratchDirectory("disconnect")
            let store = JSONFileStore(directory: scratch("cassettes"))
            bigRequest = EchoOrigin.requestBody("big")
            streamRequest = EchoOrigin.requestBody("paced")
            try store.save(try Self.cassette(question: "big", operation: .converse,
                                             response: RecordedResponse(status: 200, contentType: "application/json",
                                                                        body: try json(EchoOrigin.converseBody("big", padding: 0))
                                                                            .replacingText(with: ServeDisconnectSlowTests.bigAnswer))))
            let events = try StreamFrames.decode(StreamFrames.text(ServeDisconnectSlowTests.streamPieces).flatMap { $0 }).enumerated().map { index, frame in
                StreamEvent(type: frame.stringHeader(":event-type") ?? "", payload: try json(frame.payload), offsetMs: index)
            }
            try store.save(try Self.cassette(question: "paced", operation: .converseStream,
                                             response: RecordedResponse(status: 200, contentType: "application/vnd.amazon.eventstream",
                                                                        content: .events(events))))
            serve = try ServeProcess(["--store", "json:\(scratch("cassettes"))", "--upstream", origin.baseURL, "--replay-pace", "2", "--quiet"])
        }

        static func cassette(question: String, operation: BedrockOperation, response: RecordedResponse) throws -> Cassette {
            let body = try JSONParser.parse(EchoOrigin.requestBody(question))
            return Cassette(key: try CacheKey.derive(modelId: ProxyHarness.haiku, body: body), operation: operation,
                            modelId: ProxyHarness.haiku, request: body, response: response, upstreamLatencyMs: 5, recordedAt: "2026-11-25T12:00:00Z")
        }

        func stop() {
            serve.kill()
            for _ in 0..<64 { release.signal() }
            origin.stop()
            scratch.remove()
        }

        /// One client that sends a request, reads a little of the answer and leaves; `reset` leaves with RST.
        func leave(_ leave: Leave, reset: Bool) throws {
            let stream = leave == .hitMidStream || leave == .missMidStream
            let body: String
            switch leave {
            case .hitMidResponse: body = bigRequest
            case .hitMidStream: body = streamRequest
            case .missMidResponse, .missMidStream:
                let index = misses.withLock { count -> Int in
                    count += 1
                    return count
                }
                body = EchoOrigin.requestBody("\(ServeDisconnectSlowTests.heldPrefix) \(index)")
            }
            let asked = origin.requests.count
            do {
                let client = try RawClient(port: serve.port, receiveBuffer: leave == .hitMidResponse ? 4096 : nil)
                if reset { client.resetOnClose() }
                try client.send("POST", stream ? StreamFrames.streamPath : ProxyHarness.haikuPath,
                                headers: [("Content-Type", "application/json")], body: Array(body.utf8))
                switch leave {
                case .hitMidResponse:
                    let head = try client.readHead()
                    try #require(head.contains("x-tapedeck: hit"), "\(head)")
                case .hitMidStream, .missMidStream:
                    let head = try client.readHead()
                    try #require(head.contains(leave == .hitMidStream ? "x-tapedeck: hit" : "x-tapedeck: miss"), "\(head)")
                    _ = try #require(try client.readChunk(), "the first frame arrives")
                case .missMidResponse:
                    try #require(waitUntil { origin.requests.count == asked + 1 }, "upstream has the request")
                }
            }
            // The client is gone; upstream may answer now.
            if leave == .missMidResponse || leave == .missMidStream { release.signal() }
        }

        /// Waits until serve has at most `count` descriptors open; false if it never settles there. At most, not
        /// exactly: a descriptor that was briefly open when the baseline was taken (a recording's file on its way to
        /// disk) may be closed by now, and a leak only ever adds.
        func settles(atMost count: Int) -> Bool {
            waitUntil { (ProcessProbe.openDescriptors(serve.pid) ?? .max) <= count }
        }
    }

    @Test func clientsLeavingMidAnswerLeaveNoDescriptorOrMemoryBehind() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let pid = setup.serve.pid

        // Warm-up: every path has run and allocated what it keeps; the descriptors at rest are the baseline.
        for round in 0..<100 {
            for leave in Leave.allCases { try setup.leave(leave, reset: round % 2 == 1) }
        }
        // At rest: every warm-up miss recorded, and no connection left, to a client or upstream.
        try #require(waitUntil { (try? JSONFileStore(directory: setup.scratch("cassettes")).count()) == 2 + 200 })
        try #require(waitUntil { ProcessProbe.tcpConnections(pid).isEmpty }, "\(ProcessProbe.tcpConnections(pid))")
        let baseline = try #require(ProcessProbe.openDescriptors(pid))
        let residentBefore = try #require(ProcessProbe.residentBytes(pid))

        for round in 0..<3000 {
            try setup.leave(round % 2 == 0 ? .hitMidResponse : .hitMidStream, reset: round % 4 >= 2)
        }
        #expect(setup.settles(atMost: baseline), "after 3,000 hits left mid-answer: \(ProcessProbe.openDescriptors(pid) ?? -1) open, baseline \(baseline)")
        let residentAfter = try #require(ProcessProbe.residentBytes(pid))
        // A connection kept alive costs its 16 KiB read buffer at least and, mid-response, its 3 MiB answer: leaking
        // one in 200 of them would pass 8 MiB, as would 3 KiB of anything per disconnect. Allocator noise after a
        // warm-up stays well below it (about 0.4 MiB here).
        let growth = residentAfter - residentBefore
        print("ServeDisconnectSlowTests: RSS \(residentBefore / 1024) KiB after warm-up, \(residentAfter / 1024) KiB after 3,000 more hits left mid-answer")
        #expect(growth < 8 << 20, "RSS grew by \(growth / 1024) KiB")

        for round in 0..<500 {
            try setup.leave(round % 2 == 0 ? .missMidResponse : .missMidStream, reset: round % 4 >= 2)
        }
        #expect(setup.settles(atMost: baseline), "after 500 misses left mid-answer: \(ProcessProbe.openDescriptors(pid) ?? -1) open, baseline \(baseline)")
        // Leaving did not stop the recordings: every miss's cassette is there (two recorded in the setup).
        #expect(waitUntil { (try? JSONFileStore(directory: setup.scratch("cassettes")).count()) == 2 + 200 + 500 })
        #expect(try setup.serve.post(ProxyHarness.haikuPath, body: setup.bigRequest).headers["x-tapedeck"] == "hit")
        #expect(setup.serve.stop() == 0)
    }
}

extension JSONValue {
    /// A Converse body with its first text block's text replaced.
    func replacingText(with text: String) -> JSONValue {
        guard case .object(var members) = self, let output = members.firstIndex(where: { $0.key == "output" }) else { return self }
        members[output].value = .object([JSONMember("message", .object([
            JSONMember("role", .string("assistant")),
            JSONMember("content", .array([.object([JSONMember("text", .string(text))])])),
        ]))])
        return .object(members)
    }
}
