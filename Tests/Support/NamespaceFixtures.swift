import TapedeckBedrock
import TapedeckStore

/// A store of either kind with cassettes in the shared namespace and in two namespaces, as `serve` records them
/// for requests with and without `x-tapedeck-namespace`; the capital question is in the shared namespace and in
/// `beta` alike, so its key is in two namespaces.
package enum NamespaceFixtures {
    /// What was stored where.
    package struct Layout {
        /// The `--store` value of the whole store.
        package let spec: String
        /// The cassettes of each namespace, "" the shared one, and the hits given each.
        package let cassettes: [String: [Cassette]]
        package let hits: [String: [Int]]
        /// The misses counted in each namespace, by model.
        package let misses: [String: [String: Int]]

        /// Every cassette in every namespace.
        package var count: Int { cassettes.values.reduce(0) { $0 + $1.count } }

        /// The `--store` value naming namespace `name`.
        package func spec(_ name: String) -> String { "\(spec)#\(name)" }
    }

    /// The namespaces the fixture fills besides the shared one.
    package static let names = ["alpha", "beta"]

    /// Writes the layout into a new store of `kind` inside `directory`.
    package static func store(_ kind: StoreKind, in directory: String) throws -> Layout {
        let spec = kind.spec(in: directory)
        let store = try StoreLocation.open(spec)
        let cassettes: [String: [Cassette]] = [
            "": [try CommandFixtures.capital(), try CommandFixtures.eggs()],
            "alpha": [try CommandFixtures.tools(), try CommandFixtures.haikuStream()],
            "beta": [try CommandFixtures.capital(), try CommandFixtures.unpriced()],
        ]
        let hits: [String: [Int]] = ["": [40, 12], "alpha": [5, 3], "beta": [7, 2]]
        let misses: [String: [String: Int]] = [
            "": [CommandFixtures.haiku: 4], "alpha": [CommandFixtures.mistral: 1], "beta": ["meta.llama3-1-8b-instruct-v1:0": 2],
        ]
        for (name, stored) in cassettes {
            let view = try store.namespace(name)
            var usage = UsageCounts(misses: misses[name] ?? [:])
            for (cassette, count) in zip(stored, hits[name] ?? []) {
                try view.save(cassette)
                usage.hits[cassette.key] = UsageCounts.Hits(count: count, lastHitAt: CommandFixtures.lastHit)
            }
            try view.addUsage(usage)
        }
        return Layout(spec: spec, cassettes: cassettes, hits: hits, misses: misses)
    }

    /// The keys stored in namespace `name` of the store `spec` names (read by a connection of its own), sorted.
    package static func keys(_ spec: String, _ name: String) throws -> [String] {
        try StoreLocation.open(spec).namespace(name).entries().map(\.key.hex).sorted()
    }
}
