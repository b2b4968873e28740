import Testing
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct CassetteStoreTests {
    @Test(arguments: [("json:Cassettes", "Cassettes"), ("json:/var/lib/tapedeck/", "/var/lib/tapedeck"), ("json:a b/c", "a b/c"), ("json:/", "/")])
    func jsonDirectoriesOpenAsJSONFileStores(_ spec: String, _ directory: String) throws {
        let store = try StoreLocation.open(spec)
        let json = try #require(store as? JSONFileStore)
        #expect(json.directory == directory)
        #expect(store.description == "json:\(directory)")
    }

    @Test(arguments: ["Cassettes", "", "json:", "JSON:Cassettes", "sqlite:", "SQLite:tapes.db", "sqlite", "json", " json:x"])
    func anythingElseIsRefusedWithTheExpectedForm(_ spec: String) {
        let error = #expect(throws: CassetteError.self) { try StoreLocation.open(spec) }
        guard case .unsupportedStore(let reason)? = error else { return }
        #expect(reason.contains("\"\(spec)\""))
        #expect(reason.hasSuffix("; expected json:DIR, sqlite:FILE or postgres://USER@HOST/DB"))
        #expect(!reason.contains("\n"))
        #expect(error?.description == reason)
    }
}
