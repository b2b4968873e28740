import Glibc
import TapedeckSystem
import TapedeckBedrock

/// A cassette file's version is its inode, size and change time: an atomic rename (every save) or any edit
/// changes one of them, so one `stat` tells whether a rendered answer is still the file's.
extension JSONFileStore {
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? {
        let path = path(for: key)
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io(path: path, error: SystemError("stat", errno: code))
        }
        return CassetteVersion(
            Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
            Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec))
    }

    /// The cassette's shard directory is watched (`DirectoryWatch`): any change in it since the stamp, this
    /// cassette's or another's, makes the stamp stale, and the next hit checks `version(of:)` again.
    public func changeStamp(for key: CacheKey) -> ChangeStamp? {
        watch.stamp("\(directory)/\(key.hex.prefix(2))").map(ChangeStamp.directory)
    }

    public func isUnchanged(_ key: CacheKey, version: CassetteVersion, since stamp: ChangeStamp) -> Bool {
        guard case .directory(let watched) = stamp else { return false }
        return watch.isUnchanged(since: watched)
    }
}
