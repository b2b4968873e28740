import Glibc
import Testing
@testable import TapedeckSystem

@Suite struct SystemErrorTests {
    @Test func descriptionNamesTheCallTheContextAndTheReason() {
        #expect(SystemError("bind", errno: EADDRINUSE).description == "bind: Address already in use")
        #expect(SystemError("bind", errno: EADDRINUSE, context: "127.0.0.1:8787").description
                == "bind 127.0.0.1:8787: Address already in use")
    }

    @Test func errnoPatternsMatch() {
        let error = SystemError("accept", errno: EMFILE)
        switch error {
        case EAGAIN: Issue.record("EMFILE matched EAGAIN")
        case EMFILE: break
        default: Issue.record("EMFILE did not match")
        }
        #expect(EMFILE ~= error)
        #expect(!(EAGAIN ~= error))
    }
}
