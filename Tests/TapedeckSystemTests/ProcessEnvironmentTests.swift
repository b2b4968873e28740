import Foundation
import Testing
@testable import TapedeckSystem

@Suite struct ProcessEnvironmentTests {
    /// What `environ` holds, as Foundation's ProcessInfo reads it; a value may contain `=` and be empty.
    @Test func itReadsWhatProcessInfoReads() {
        // Not named TAPEDECK_…: a command another test starts meanwhile inherits them and would warn about them.
        setenv("TDTEST_ENV_EQUALS", "a=b=c", 1)
        setenv("TDTEST_ENV_EMPTY", "", 1)
        defer {
            unsetenv("TDTEST_ENV_EQUALS")
            unsetenv("TDTEST_ENV_EMPTY")
        }
        let current = ProcessEnvironment.current
        #expect(current["TDTEST_ENV_EQUALS"] == "a=b=c")
        #expect(current["TDTEST_ENV_EMPTY"] == "")
        #expect(current["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(current["TDTEST_ENV_NEVER_SET"] == nil)
    }
}
