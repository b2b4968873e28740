import Dispatch
import Glibc
import Testing
@testable import TapedeckHTTP
import TapedeckSystem
import TapedeckTestSupport

/// EventLoop on its own: one loop of a server that is never started, its tasks, timers, accepting and draining.
@Suite struct EventLoopTests {
    @Test func executeFromAnotherThreadRunsOnTheLoopThread() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let loop = harness.loop
        #expect(!loop.inEventLoop)
        let caller = pthread_self()
        let seen = Mutex<(onLoop: Bool, sameThread: Bool)?>(nil)
        let done = Gate()
        loop.execute {
            seen.withLock { $0 = (loop.inEventLoop, pthread_equal(pthread_self(), caller) != 0) }
            done.open()
        }
        done.wait()
        let thread = try #require(seen.withLock { $0 })
        #expect(thread.onLoop)
        #expect(!thread.sameThread)
    }

    @Test func executeOnTheLoopRunsAtOnceAndEnqueueAfterTheCurrentTask() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let loop = harness.loop
        let order = Mutex<[String]>([])
        let done = Gate()
        loop.execute {
            loop.enqueue {
                order.withLock { $0.append("enqueued") }
                done.open()
            }
            loop.execute { order.withLock { $0.append("executed") } }
            order.withLock { $0.append("current") }
        }
        done.wait()
        #expect(order.withLock { $0 } == ["executed", "current", "enqueued"])
    }

    @Test func tasksFromManyThreadsAllRunInEachThreadsOrder() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let loop = harness.loop
        let runs = Mutex<[[Int]]>(Array(repeating: [], count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0..<250 { loop.execute { runs.withLock { $0[thread].append(i) } } }
        }
        harness.onLoop {}
        #expect(runs.withLock { $0 } == Array(repeating: Array(0..<250), count: 4))
    }

    @Test func timersFireInDeadlineOrderAndEqualOnesInTheOrderScheduled() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let loop = harness.loop
        let fired = Mutex<[String]>([])
        let allFired = Gate()
        let timers = [(30, "c"), (10, "a"), (20, "b"), (0, "now"), (10, "a2")]
        loop.execute {
            for (delay, name) in timers {
                loop.schedule(afterMilliseconds: delay) {
                    let count = fired.withLock { names -> Int in
                        names.append(name)
                        return names.count
                    }
                    if count == timers.count { allFired.open() }
                }
            }
        }
        allFired.wait()
        #expect(fired.withLock { $0 } == ["now", "a", "a2", "b", "c"])
    }

    @Test func itAcceptsFromItsListenerAndDrainingClosesIdleConnections() throws {
        let harness = try LoopHarness()
        let clients = try (0..<3).map { _ in try RawClient(port: harness.listener.port) }
        for (i, client) in clients.enumerated() {
            try client.send("GET /\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse()?.text == "/\(i)")
        }
        harness.loop.drain(until: MonotonicClock.milliseconds() + 60_000)
        for client in clients { #expect(client.readUntilClosed()) }
        // Nothing is left in flight, so the loop ends long before the deadline.
        harness.loop.waitUntilFinished()
    }

    @Test func drainingLetsARequestInFlightFinish() throws {
        let held = Mutex<HTTPResponder?>(nil)
        let received = Gate()
        let harness = try LoopHarness { request, responder in
            guard request.target == "/held" else {
                return responder.respond(HTTPResponse(status: 200, body: Array(request.target.utf8)))
            }
            held.withLock { $0 = responder }
            received.open()
        }
        let idle = try harness.connect()
        try idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse()?.text == "/idle")
        let busy = try harness.connect()
        try busy.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
        received.wait()
        harness.loop.drain(until: MonotonicClock.milliseconds() + 60_000)
        // The idle connection closing shows the drain has begun.
        #expect(idle.readUntilClosed())
        try #require(held.withLock { $0 }).respond(HTTPResponse(status: 200, body: Array("done".utf8)))
        let response = try #require(try busy.readResponse())
        #expect(response.text == "done")
        #expect(response.headers["Connection"] == "close")
        #expect(busy.readUntilClosed())
        harness.loop.waitUntilFinished()
    }

    @Test func drainingPastItsDeadlineClosesARequestInFlight() throws {
        let received = Gate()
        let harness = try LoopHarness { _, _ in received.open() }
        let client = try harness.connect()
        try client.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n")
        received.wait()
        harness.loop.drain(until: MonotonicClock.milliseconds())
        #expect(try client.readToEnd() == "")
        harness.loop.waitUntilFinished()
    }
}
