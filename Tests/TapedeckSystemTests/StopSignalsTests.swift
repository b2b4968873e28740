import Dispatch
import Glibc
import Testing
@testable import TapedeckSystem

@Suite struct StopSignalsTests {
    @Test func aBlockedSignalIsTakenByWaitNotDelivered() {
        // On a thread of its own, with the signal sent to that thread only, so the test process is never at risk.
        let taken = Mutex<Int32?>(nil)
        let done = DispatchSemaphore(value: 0)
        OSThread.start(name: "stop-signals") {
            let signals = StopSignals.block()
            pthread_kill(pthread_self(), SIGTERM)
            taken.withLock { $0 = signals.wait() }
            done.signal()
        }
        done.wait()
        #expect(taken.withLock { $0 } == SIGTERM)
    }

    @Test func namesAndExitStatusesAreTheShells() {
        #expect(StopSignals.name(SIGINT) == "SIGINT")
        #expect(StopSignals.name(SIGTERM) == "SIGTERM")
        #expect(StopSignals.exitStatus(SIGINT) == 130)
        #expect(StopSignals.exitStatus(SIGTERM) == 143)
    }
}
