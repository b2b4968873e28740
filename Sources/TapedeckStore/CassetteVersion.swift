import TapedeckSystem
import TapedeckBedrock
/// What identifies one stored version of a cassette cheaply (for a file: inode, size and change time), so a
/// rendered answer can be reused until the cassette changes.
public struct CassetteVersion: Sendable, Hashable {
    /// The identifying numbers, up to six, inline: making and comparing a version allocates nothing.
    public let parts: (Int, Int, Int, Int, Int, Int)

    /// Creates a version from up to six identifying numbers.
    public init(_ parts: [Int]) {
        precondition(parts.count <= 6, "a cassette version has at most six numbers")
        let padded = parts + Array(repeating: 0, count: 6 - parts.count)
        self.parts = (padded[0], padded[1], padded[2], padded[3], padded[4], padded[5])
    }

    /// Creates a version from six identifying numbers, inline.
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ e: Int, _ f: Int) { parts = (a, b, c, d, e, f) }

    public static func == (left: CassetteVersion, right: CassetteVersion) -> Bool { left.parts == right.parts }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(parts.0); hasher.combine(parts.1); hasher.combine(parts.2)
        hasher.combine(parts.3); hasher.combine(parts.4); hasher.combine(parts.5)
    }
}

extension CassetteStore {
    /// Stores that cannot tell versions apart cheaply say nil, and nothing is reused.
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? { nil }

    /// Stores that cannot watch for changes give no stamp, and every hit checks `version(of:)`.
    public func changeStamp(for key: CacheKey) -> ChangeStamp? { nil }

    public func isUnchanged(_ key: CacheKey, version: CassetteVersion, since stamp: ChangeStamp) -> Bool { false }
}

/// A stamp vouching that a stored cassette has not changed since it was taken (`CassetteStore.changeStamp`): the
/// JSON-file store's is its shard directory's watch; a store that hears of changes otherwise gives `.listening`.
public enum ChangeStamp: Sendable, Equatable {
    /// Nothing has changed while `DirectoryWatch` saw no event in the directory.
    case directory(DirectoryWatch.Stamp)
    /// The store hears of every change (PostgreSQL's LISTEN): the version it remembers is the cassette's.
    case listening
}
