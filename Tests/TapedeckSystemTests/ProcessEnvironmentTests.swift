import Foundation
import Testing
@testable import TapedeckSystem

@Suite struct ProcessEnvironmentTests {
    /// What `environ` holds, as Foundation's ProcessInfo reads it; a value may contain `=` and be empty.
    @Test func itReadsWhatProcessInfoReads() {
        setenv("TAPEDECK_TEST_ENV_EQUALS", "a=b=c", 1)
        setenv("TAPEDECK_TEST_ENV_EMPTY", "", 1)
        defer {
            unsetenv("TAPEDECK_TEST_ENV_EQUALS")
            unsetenv("TAPEDECK_TEST_ENV_EMPTY")
        }
        let current = ProcessEnvironment.current
        #expect(current["TAPEDECK_TEST_ENV_EQUALS"] == "a=b=c")
        #expect(current["TAPEDECK_TEST_ENV_EMPTY"] == "")
        #expect(current["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(current["TAPEDECK_TEST_ENV_NEVER_SET"] == nil)
    }
}
