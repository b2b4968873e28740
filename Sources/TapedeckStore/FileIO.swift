import Glibc
import TapedeckSystem

/// Whole-file reads, atomic writes and directory listings over plain system calls, errors carrying the path.
package enum FileIO {
    /// The file's bytes, or nil when it does not exist; files over `limit` bytes are refused.
    package static func readIfPresent(_ path: String, limit: Int) throws(CassetteError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io(path: path, error: SystemError("open", errno: code))
        }
        defer { Syscall.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, error: SystemError("fstat", errno: errno)) }
        let size = Int(info.st_size)
        guard size <= limit else { throw .corrupt(path: path, reason: "\(size) bytes is over the \(limit)-byte limit") }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n: Int
            do throws(SystemError) {
                n = try Syscall.call("read") { bytes.withUnsafeMutableBytes { buffer in read(fd, buffer.baseAddress! + filled, size - filled) } }
            } catch {
                throw .io(path: path, error: error)
            }
            if n == 0 { break }
            filled += n
        }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    /// Writes `bytes` to `path` through a fsynced temporary file renamed into place, then fsyncs the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(CassetteError) {
        _ = try write(to: path, syncFirst: true) { fd, temporary throws(CassetteError) in try writeAll(fd, bytes, path: temporary) }
    }

    /// Writes `bytes` to `path` through a temporary file renamed into place, and returns at once: readers see the
    /// whole new file or the old one, and it survives the process being killed (the kernel has it). The returned
    /// sync fsyncs the file and then its directory, after which it survives a power loss too; until then a power
    /// loss may leave the old file, no file, or (for a new file on some file systems) an empty one.
    static func writeVisible(_ bytes: [UInt8], to path: String) throws(CassetteError) -> DeferredSync {
        try write(to: path, syncFirst: false) { fd, temporary throws(CassetteError) in try writeAll(fd, bytes, path: temporary) }
    }

    /// `writeVisible` for a file written in pieces: `contents` writes them to the temporary file's descriptor (its
    /// path given for errors). If it throws, the temporary file is removed and `path` is left as it was.
    static func writeVisible(
        to path: String, contents: (Int32, String) throws(CassetteError) -> Void
    ) throws(CassetteError) -> DeferredSync {
        try write(to: path, syncFirst: false, contents)
    }

    /// Writes every byte of `bytes` to `fd`, a file at `path`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(CassetteError) {
        var written = 0
        while written < bytes.count {
            let n: Int
            do throws(SystemError) {
                n = try Syscall.call("write") { Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written) }
            } catch {
                throw .io(path: path, error: error)
            }
            // write(2) takes nothing only when asked for nothing; report it rather than spin on it.
            guard n > 0 else { throw .io(path: path, error: SystemError("write", errno: EIO)) }
            written += n
        }
    }

    /// Writes every byte of `bytes` to `fd`, a file at `path`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(CassetteError) {
        try bytes.withBytes { raw throws(CassetteError) in try writeAll(fd, raw, path: path) }
    }

    private static func write(
        to path: String, syncFirst: Bool, _ contents: (Int32, String) throws(CassetteError) -> Void
    ) throws(CassetteError) -> DeferredSync {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let temporary = "\(directory)/.\(path.split(separator: "/").last ?? "cassette").\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, error: SystemError("open", errno: errno)) }
        do throws(CassetteError) {
            try contents(fd, temporary)
            if syncFirst {
                do throws(SystemError) {
                    _ = try Syscall.call("fsync") { fsync(fd) }
                } catch {
                    throw .io(path: temporary, error: error)
                }
            }
        } catch {
            Syscall.close(fd)
            unlink(temporary)
            throw error
        }
        Syscall.close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: path, error: SystemError("rename", errno: code))
        }
        let directoryPath = directory.isEmpty ? "." : directory
        // The rename is durable only once the directory entry is on disk.
        guard syncFirst else {
            return DeferredSync {
                sync(path, flags: O_RDONLY)
                sync(directoryPath, flags: O_RDONLY | O_DIRECTORY)
            }
        }
        sync(directoryPath, flags: O_RDONLY | O_DIRECTORY)
        return .none
    }

    /// fsyncs what `path` names now, if it can be opened (a file replaced since is the newer one, synced all the same).
    private static func sync(_ path: String, flags: Int32) {
        let fd = open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        Syscall.close(fd)
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(CassetteError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw .io(path: current, error: SystemError("mkdir", errno: errno))
            }
        }
    }

    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    static func list(_ path: String) throws(CassetteError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw .io(path: path, error: SystemError("opendir", errno: errno))
        }
        defer { closedir(dir) }
        var names: [String] = []
        // A `dirent` from readdir is only as long as its name (d_reclen): reading `d_name` as the struct's 256-byte
        // field copies past the end, which at the end of readdir's buffer is past the end of the mapping (a release
        // build's SIGSEGV on a 100,000-file store). The name is read in place, up to its NUL.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
