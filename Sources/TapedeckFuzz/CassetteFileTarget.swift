import Glibc
import TapedeckBedrock
import TapedeckStore

/// Bytes as a cassette file in a JSON store, read through `JSONFileStore`'s own load path; the same bytes as the
/// store's `.tapedeck-usage.json`, read and then added to as `serve` adds hits and misses.
///
/// Properties: `load` accepts exactly what `loadAsFiled` accepts when the file holds its own key; a loaded
/// cassette passes `CassetteChecks.roundTrip`; usage counts that load can always be added to.
enum CassetteFileTarget {
    /// The key every input is filed under (the bundled plain-chat cassette's).
    static let key = CacheKey(hex: "d42a057650bd41f0157e721ea040413ac9268c0b7fddb97c24398f162200d37f")!

    nonisolated(unsafe) static var store: JSONFileStore?

    static func run(_ bytes: [UInt8]) {
        let store = openStore()
        Scratch.write(bytes, to: store.path(for: key))
        let filed = Result { () throws(CassetteError) in try store.loadAsFiled(key) }
        let loaded = Result { () throws(CassetteError) in try store.load(key) }
        if let cassette = filed.success {
            Property.check(cassette != nil, "a file that exists loads as missing")
            if cassette?.key == key {
                Property.check(loaded.success == cassette, "load and loadAsFiled disagree: \(loaded)")
            } else {
                Property.check(loaded.failure != nil, "load accepted a cassette filed under another key")
            }
            if let cassette { CassetteChecks.roundTrip(cassette) }
        } else {
            Property.check(loaded.failure != nil, "load accepted a file loadAsFiled refused")
        }
        usage(bytes, in: store)
    }

    /// The bytes as the usage file: read, then one more hit of every key and one more miss of every model.
    static func usage(_ bytes: [UInt8], in store: JSONFileStore) {
        Scratch.write(bytes, to: store.usagePath)
        guard let counts = try? store.usage() else { return }
        var batch = UsageCounts()
        for key in counts.hits.keys { batch.hit(key, at: 1_800_000_000) }
        for model in counts.misses.keys { batch.miss(model: model) }
        batch.hit(key, at: 1_800_000_000)
        do {
            try store.addUsage(batch)
            let after = try store.usage()
            Property.check(Set(after.hits.keys) == Set(counts.hits.keys).union([key]), "usage lost or gained keys")
        } catch {
            Property.check(false, "usage that loaded cannot be added to: \(error)")
        }
    }

    private static func openStore() -> JSONFileStore {
        if let store { return store }
        let made = JSONFileStore(directory: "\(Scratch.path)/cassette-json")
        mkdir(made.directory, 0o755)
        mkdir("\(made.directory)/\(key.hex.prefix(2))", 0o755)
        store = made
        return made
    }
}
