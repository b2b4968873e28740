import TapedeckCodec
import TapedeckBedrock

/// A cassette as a database row holds it: its JSON document, under the key the row is filed by.
extension Cassette {
    /// Decodes a row's `document`, checked against the `key` it was looked up by; errors name the row `location`.
    init(row document: [UInt8], key: CacheKey, location: String) throws(CassetteError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(document)
        } catch {
            throw .corrupt(path: location, reason: error.description)
        }
        do {
            self = try Cassette(json: json)
        } catch {
            if case .newerFormat(_, let format) = error { throw .newerFormat(path: location, format: format) }
            throw .corrupt(path: location, reason: "\(error)")
        }
        guard self.key == key else {
            throw .corrupt(path: location, reason: "it holds key \(self.key.hex), not the key its row says")
        }
    }
}
