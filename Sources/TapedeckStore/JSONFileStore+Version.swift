import Glibc
import TapedeckSystem
import TapedeckBedrock

/// A cassette file's version is its inode, size and change time: an atomic rename (every save) or any edit
/// changes one of them, so one `stat` tells whether a rendered answer is still the file's.
extension JSONFileStore {
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? {
        var info = stat()
        // The path is put together in a stack buffer: a hit's version check makes no String.
        let result = directory.utf8.withContiguousStorageIfAvailable { directory in
            key.hex.utf8.withContiguousStorageIfAvailable { hex in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: directory.count + hex.count + 10) { buffer in
                    let raw = UnsafeMutableRawBufferPointer(buffer)
                    var end = 0
                    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
                        UnsafeMutableRawBufferPointer(rebasing: raw[end..<end + bytes.count]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                        end += bytes.count
                    }
                    func append(_ byte: UInt8) { raw[end] = byte; end += 1 }
                    append(directory); append(UInt8(ascii: "/"))
                    append(UnsafeBufferPointer(rebasing: hex.prefix(2))); append(UInt8(ascii: "/"))
                    append(hex)
                    for byte in ".json".utf8 { append(byte) }
                    append(0)
                    return stat(buffer.baseAddress!, &info)
                }
            }
        }
        let status = result.flatMap { $0 } ?? stat(path(for: key), &info)
        guard status == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io(path: path(for: key), error: SystemError("stat", errno: code))
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
