import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

@Suite struct ProcessIdentityTests {
    @Test func thisProcessIsNamedByItsPidStartTimeBootAndHost() {
        let here = ProcessIdentity.current
        #expect(here.pid == getpid())
        #expect(here.startTicks > 0)
        #expect(here.startTicks == ProcessIdentity.startTicks(of: getpid()))
        #expect(here.bootId.count == 36)
        #expect(!here.host.isEmpty)
        #expect(!here.isGone)
    }

    @Test func aReapedChildIsGone() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        let started = ProcessIdentity.startTicks(of: child.processIdentifier)
        child.waitUntilExit()
        let here = ProcessIdentity.current
        let gone = ProcessIdentity(pid: child.processIdentifier, startTicks: started ?? 1, bootId: here.bootId, host: here.host)
        #expect(gone.isGone)
    }

    @Test func aLivePidWithAnotherStartTimeIsAReusedPidAndSoGone() {
        var reused = ProcessIdentity.current
        reused.startTicks += 1
        #expect(reused.isGone)
    }

    @Test func aProcessOnAnotherHostOrBootIsNeverCalledGone() {
        var elsewhere = ProcessIdentity.current
        elsewhere.pid = Int32.max
        elsewhere.host += "-other"
        #expect(!elsewhere.isGone)
        var rebooted = ProcessIdentity.current
        rebooted.pid = Int32.max
        rebooted.bootId = "00000000-0000-0000-0000-000000000000"
        #expect(!rebooted.isGone)
    }

    @Test func aCommandWithSpacesAndParenthesesStillYieldsItsStartTime() throws {
        // proc_pid_stat(5): field 2 may hold ") (", so the parse counts from the last ')'.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let odd = scratch("a) (b c")
        #expect(symlink("/bin/sleep", odd) == 0)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: odd)
        child.arguments = ["30"]
        try child.run()
        defer {
            // SIGKILL: a child started from a test thread inherits its blocked signals, SIGTERM among them.
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        let ticks = try #require(ProcessIdentity.startTicks(of: child.processIdentifier))
        #expect(ticks >= ProcessIdentity.current.startTicks)
    }
}
