import Dispatch
import Testing
import TapedeckHTTP
import TapedeckSystem
@testable import TapedeckUpstream
import TapedeckTestSupport

/// Pausing and resuming one transfer from the handler: nothing is delivered while paused, every byte after.
@Suite struct UpstreamTransferControlTests {
    /// Pauses its transfer at the first body bytes and counts what arrives until the test resumes it.
    final class PausingHandler: UpstreamResponseHandler, @unchecked Sendable {  // State under `state`'s lock.
        struct State {
            var control: UpstreamTransferControl?
            var body: [UInt8] = []
            var paused = false
            var deliveredWhilePaused = 0
            var result: Result<Int, CurlError>?
        }
        let state = Mutex(State())

        func upstreamDidStart(_ control: UpstreamTransferControl) { state.withLock { $0.control = control } }
        func upstreamDidReceiveHead(status: Int, headers: HTTPHeaders) {}
        func upstreamDidReceive(_ bytes: [UInt8]) {
            state.withLock { state in
                if state.paused { state.deliveredWhilePaused += 1 }
                if state.body.isEmpty {
                    state.paused = true
                    state.control?.pause()
                }
                state.body += bytes
            }
        }
        func upstreamDidFinish(_ result: Result<Int, CurlError>) { state.withLock { $0.result = result } }

        func resume() {
            state.withLock { state in
                state.paused = false
                state.control?.resume()
            }
        }
    }

    @Test func aPausedTransferDeliversNothingUntilResumedThenEveryByte() async throws {
        let lastWritten = Gate()
        let first = [UInt8](repeating: 0x30, count: 1024)
        let rest = (1...8).map { [UInt8](repeating: UInt8(0x30 + $0), count: 4096) }
        var chunks = [TestOrigin.Chunk(first)]
        for (index, bytes) in rest.enumerated() {
            let before: (@Sendable () -> Void)? = index == rest.count - 1 ? { @Sendable in lastWritten.open() } : nil
            chunks.append(TestOrigin.Chunk(bytes, before: before))
        }
        let reply = TestOrigin.Reply.chunked(chunks: chunks)
        let origin = try TestOrigin { _ in reply }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let handler = PausingHandler()

        client.send(UpstreamRequest(url: origin.url("/stream")), handler: handler)
        #expect(try await eventually { handler.state.withLock { $0.paused } })
        // The origin has handed curl every chunk but the last by now; the paused transfer takes none of them.
        lastWritten.wait()
        #expect(handler.state.withLock { $0.body } == first)
        handler.resume()

        #expect(try await eventually { handler.state.withLock { $0.result != nil } })
        let state = handler.state.withLock { $0 }
        #expect(state.deliveredWhilePaused == 0)
        #expect(state.body == first + rest.flatMap { $0 })
        #expect(throws: Never.self) { try state.result?.get() }
    }

    @Test func aControlOutlivingItsTransferDoesNothing() async throws {
        let origin = try TestOrigin { _ in .ok("done") }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let handler = PausingHandler()
        client.send(UpstreamRequest(url: origin.url("/x")), handler: handler)
        #expect(try await eventually { handler.state.withLock { $0.result != nil } })
        handler.resume()
        handler.state.withLock { $0.control?.pause() }
        // A later transfer reusing the easy handle is not held back by the old control.
        let response = try await client.response(to: UpstreamRequest(url: origin.url("/y"))).get()
        #expect(response.body == Array("done".utf8))
    }
}
