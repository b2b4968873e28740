import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct CassetteErrorTests {
    @Test func descriptionsNameWhatFailedAndWhere() {
        #expect(CassetteError.malformed("\"key\" must be a string").description == "malformed cassette: \"key\" must be a string")
        #expect(CassetteError.corrupt(path: "C/ab/ab.json", reason: "invalid JSON at byte 0: x").description
                == "corrupt cassette C/ab/ab.json: invalid JSON at byte 0: x")
        #expect(CassetteError.unsupportedStore("unknown store \"x\"").description == "unknown store \"x\"")
        #expect(CassetteError.io(path: "C/ab", error: SystemError("mkdir", errno: EACCES)).description
                == "mkdir C/ab: Permission denied")
    }
}
