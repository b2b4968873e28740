import TapedeckBedrock
/// What identifies one stored version of a cassette cheaply (for a file: inode, size and change time), so a
/// rendered answer can be reused until the cassette changes.
public struct CassetteVersion: Sendable, Hashable {
    public let parts: [Int]

    /// Creates a version from its identifying numbers.
    public init(_ parts: [Int]) { self.parts = parts }
}

extension CassetteStore {
    /// Stores that cannot tell versions apart cheaply say nil, and nothing is reused.
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? { nil }
}
