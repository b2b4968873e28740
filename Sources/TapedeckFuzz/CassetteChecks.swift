import TapedeckCodec
import TapedeckStore
import TapedeckProxy

/// What must hold for any cassette a store managed to load: it survives its own file format, both stores give
/// back what they were given, and a hit can be answered from it (or is refused with an error, never a crash).
enum CassetteChecks {
    /// A JSON store and an SQLite store in the scratch directory, kept for the whole run.
    nonisolated(unsafe) static var stores: (json: JSONFileStore, sqlite: SQLiteStore)?

    static func roundTrip(_ cassette: Cassette) {
        JSONTarget.check(cassette.request)
        let document = cassette.encoded()
        // Files sort their keys, so a cassette read back equals the original up to member order: compare encodings.
        let decoded = Result { () throws(CassetteError) in try Cassette(json: JSONTarget.parse(document, "an encoded cassette")) }
        Property.check(decoded.success?.encoded() == document, "a cassette re-read from its own encoding differs: \(decoded)")

        let (json, sqlite) = openStores()
        for store in [json, sqlite] as [CassetteStore] {
            do {
                try store.save(cassette)
                let loaded = try store.load(cassette.key)
                Property.check(loaded?.encoded() == document, "\(store.description) gives back another cassette than it saved")
                _ = try store.remove(cassette.key)
            } catch {
                Property.check(false, "\(store.description) cannot store and reload a cassette it loaded: \(error)")
            }
        }
        replay(cassette)
    }

    /// Answers a hit both ways, as the proxy would, and decodes the stream it would send.
    static func replay(_ cassette: Cassette) {
        let replay = Replay(hitLatencyMs: 7, hitUsage: .zero, pace: .recorded)
        if let (response, _) = try? replay.response(for: cassette) {
            Property.check((try? JSONParser.parse(response.body)) != nil, "a replayed Converse body is not JSON")
        }
        guard let stream = try? replay.stream(for: cassette) else { return }
        var decoder = EventStreamDecoder()
        var messages = 0
        for frame in stream.frames {
            Property.check(frame.delayMs >= 0, "a frame is scheduled \(frame.delayMs) ms before the answer starts")
            let decoded = Result { () throws(EventStreamError) in try decoder.feed(frame.bytes) }
            Property.check(decoded.success?.count == 1, "a replayed frame does not decode to one message: \(decoded)")
            messages += 1
        }
        Property.check(messages == stream.frames.count && decoder.bufferedByteCount == 0, "replayed frames leave bytes over")
    }

    private static func openStores() -> (JSONFileStore, SQLiteStore) {
        if let stores { return stores }
        do {
            let made = (JSONFileStore(directory: "\(Scratch.path)/roundtrip-json"),
                        try SQLiteStore(path: "\(Scratch.path)/roundtrip.db"))
            stores = made
            return made
        } catch {
            fatalError("cannot open the round-trip stores in \(Scratch.path): \(error)")
        }
    }
}
