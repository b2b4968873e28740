import TapedeckCodec
/// Keys for the later answers of a request recorded with `--repeats sequence`.
extension CacheKey {
    /// The key of answer `index` (0-based) to the request whose key this is; answer 0 is the key itself.
    public func repeated(_ index: Int) -> CacheKey {
        guard index > 0 else { return self }
        let digest = SHA256.hash(Array("tapedeck-repeat-v1\n\(hex)\n\(index)".utf8))
        return CacheKey(hex: SHA256.hex(digest))!
    }
}
