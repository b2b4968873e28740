import Glibc
import TapedeckSystem
import TapedeckBedrock

/// A SQLite store's version is its files': the database's and its WAL's inode, size and modification time. Any
/// commit by any process changes one of them, so one version serves every cassette of the file, and a rendered
/// answer is reused until anything in the file changes (hit counts included, about once a second while hits come).
extension SQLiteStore {
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? {
        let database = try Self.fileVersion(path)
        let log = try Self.fileVersion(path + "-wal")
        return CassetteVersion(database.inode, database.size, database.modified, log.inode, log.size, log.modified)
    }

    /// The directory holding the database (and its WAL) is watched (`DirectoryWatch`): any change in it since the
    /// stamp makes the stamp stale, and the next hit checks `version(of:)` again.
    public func changeStamp(for key: CacheKey) -> ChangeStamp? {
        watch.stamp(Self.directory(of: path)).map(ChangeStamp.directory)
    }

    public func isUnchanged(_ key: CacheKey, version: CassetteVersion, since stamp: ChangeStamp) -> Bool {
        guard case .directory(let watched) = stamp else { return false }
        return watch.isUnchanged(since: watched)
    }

    /// The directory part of `path` ("." for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }

    /// A file's inode, size and modification time in nanoseconds; zeros when there is no such file (no WAL yet).
    private static func fileVersion(_ path: String) throws(CassetteError) -> (inode: Int, size: Int, modified: Int) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return (0, 0, 0) }
            throw .io(path: path, error: SystemError("stat", errno: code))
        }
        return (Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec))
    }
}
