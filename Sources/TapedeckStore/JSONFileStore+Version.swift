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
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io(path: path, error: SystemError("stat", errno: errno))
        }
        return CassetteVersion([
            Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
            Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec),
        ])
    }
}
