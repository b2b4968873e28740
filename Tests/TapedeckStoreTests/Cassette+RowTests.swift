import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// A database row's document decodes to its cassette only under the key the row is filed by; anything else is a
/// corrupt row, named by its location.
@Suite struct CassetteRowTests {
    @Test func aRowDecodesUnderItsOwnKeyOnly() throws {
        let cassette = CassetteFixtures.cassette("a row")
        let document = cassette.encoded()
        #expect(try Cassette(row: document, key: cassette.key, location: "db#row").encoded() == document)
        let other = CassetteFixtures.cassette("another row").key
        #expect {
            try Cassette(row: document, key: other, location: "db#row")
        } throws: { error in
            guard case CassetteError.corrupt(let path, let reason) = error else { return false }
            return path == "db#row" && reason.contains("not the key its row says")
        }
        #expect {
            try Cassette(row: Array("{not json".utf8), key: cassette.key, location: "db#broken")
        } throws: { error in
            guard case CassetteError.corrupt(let path, _) = error else { return false }
            return path == "db#broken"
        }
    }
}
