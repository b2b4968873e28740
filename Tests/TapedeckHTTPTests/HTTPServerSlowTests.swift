import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
import TapedeckTestSupport

/// The HTTP server against clients that take seconds on purpose.
@Suite(.tags(.slow)) struct HTTPServerSlowTests {
    /// 500 slowloris connections, each sending one more header byte every 300 ms (well inside the 1.5 s read
    /// timeout, so the connection is never quiet for long), do not stop requests on other connections, and the
    /// timeout, counted from a head's first byte, closes every one of them with a 408.
    @Test func slowlorisConnectionsAreTimedOutWhileOthersAreServed() throws {
        ResourceLimits.raiseOpenFiles()
        let server = try HTTPServerTests.echoServer(readTimeoutMs: 1500)
        defer { server.shutdown() }
        let slow = try (0..<500).map { _ in try RawClient(port: server.port) }
        for (i, client) in slow.enumerated() { try client.send("POST /slow\(i) HTTP/1.1\r\nHost: x\r\nX-Drip: ") }
        var answered: Set<Int> = []
        var drips = [Int](repeating: 0, count: slow.count)
        var rounds = 0
        // Bounded at 30 s of dripping: a server that only times out quiet connections never answers these.
        while answered.count < slow.count && rounds < 100 {
            usleep(300_000)
            rounds += 1
            for (i, client) in slow.enumerated() where !answered.contains(i) {
                if client.isReadable {
                    answered.insert(i)
                } else if (try? client.send("a")) != nil {
                    drips[i] += 1
                }
            }
            let fast = try RawClient(port: server.port)
            try fast.send("GET /fast\(rounds) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try fast.readResponse()?.text == "GET /fast\(rounds) 0")
        }
        #expect(drips.min()! >= 3, "every slow connection kept sending until its 408: \(drips.min()!) bytes at least")
        var timedOut = 0
        for client in slow {
            if let response = try client.readResponse(), response.status == 408, client.readUntilClosed() { timedOut += 1 }
        }
        #expect(timedOut == 500)
    }
}
