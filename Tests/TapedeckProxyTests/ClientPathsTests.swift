import Testing
@testable import TapedeckProxy

/// `ClientPaths`: answers name the store as given when relative, by its last component when absolute.
@Suite struct ClientPathsTests {
    @Test func aRelativeStoreIsShownAsGiven() {
        let paths = ClientPaths(storeDescription: "json:Cassettes")
        #expect(paths.scrub("cannot read Cassettes/ab/abcd.json") == "cannot read Cassettes/ab/abcd.json")
    }

    @Test func anAbsoluteStoreIsShownByItsLastComponentEverywhereItAppears() {
        let paths = ClientPaths(storeDescription: "sqlite:/home/ada/work/tapes.db")
        #expect(paths.scrub("store /home/ada/work/tapes.db: disk I/O error; sqlite:/home/ada/work/tapes.db (namespace t)")
                == "store …/tapes.db: disk I/O error; sqlite:…/tapes.db (namespace t)")
        #expect(ClientPaths(storeDescription: "json:/srv/tapes").scrub("corrupt cassette /srv/tapes/ab/abcd.json: x")
                == "corrupt cassette …/tapes/ab/abcd.json: x")
    }

    @Test func otherTextIsLeftAlone() {
        #expect(ClientPaths(storeDescription: "json:/srv/tapes").scrub("no cassette for key abc") == "no cassette for key abc")
        #expect(ClientPaths(storeDescription: "json:/").scrub("/x/y") == "/x/y", "the root shows as itself")
    }
}
