/// How answers name the store: as the user gave it when that was a relative path, else by its last component
/// (`json:/home/ada/work/Cassettes` shows as `json:…/Cassettes`), so no answer tells a client where on this
/// machine the store, a cassette file or the user's home directory is. Log lines keep the whole path: they stay
/// with the user.
public struct ClientPaths: Sendable {
    /// The store's location as `--store` gave it (`/home/ada/work/Cassettes`), or "" when it has none.
    let location: String
    /// What answers show instead (`…/Cassettes`).
    let shown: String

    /// The naming for a store whose description is `kind:LOCATION` (the root store's `description`).
    public init(storeDescription: String) {
        let location = String(storeDescription.drop { $0 != ":" }.dropFirst())
        self.location = location
        guard location.hasPrefix("/") else {
            shown = location
            return
        }
        // The root itself tells nothing, and would turn every "/" into "…/".
        guard let last = location.split(separator: "/").last else {
            shown = location
            return
        }
        shown = "…/" + last
    }

    /// `text` (a message, a location, a store's description) with the store's absolute location replaced by what
    /// answers show.
    public func scrub(_ text: String) -> String {
        guard !location.isEmpty, location != shown else { return text }
        return text.replacing(location, with: shown)
    }
}
