import Testing
import TapedeckBedrock
import TapedeckStore

/// The two kinds of store, for tests that must hold for both.
package enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case json, sqlite

    /// The `--store` value for a store of this kind inside `directory`.
    package func spec(in directory: String) -> String {
        self == .json ? "json:\(directory)/cassettes" : "sqlite:\(directory)/tapes.db"
    }

    package var testDescription: String { rawValue }
}

/// The cassette stored under `key` in the store `spec` names, read by a connection of its own (so a store
/// another process writes is seen as that process left it); nil when there is none.
package func storedCassette(_ spec: String, key: String) throws -> Cassette? {
    guard let key = CacheKey(hex: key) else { return nil }
    return try StoreLocation.open(spec).load(key)
}
