import Glibc
import TapedeckSystem

/// A private directory for the store targets, made once per process and removed at exit.
///
/// It lives under `TAPEDECK_FUZZ_TMP`, else `/dev/shm` (tmpfs: the stores' fsyncs cost nothing), else `/tmp`.
/// A crash skips the cleanup, so `make fuzz` points `TAPEDECK_FUZZ_TMP` at a directory it removes itself.
enum Scratch {
    /// The directory's path.
    static let path: String = {
        var base = getenv("TAPEDECK_FUZZ_TMP").map { String(cString: $0) } ?? "/dev/shm"
        if access(base, W_OK) != 0 { base = "/tmp" }
        var template = Array("\(base)/tapedeck-fuzz-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            fatalError("cannot make a scratch directory in \(base): errno \(errno)")
        }
        let made = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        atexit { Scratch.removeTree(Scratch.path) }
        return made
    }()

    /// Removes `path` and everything below it; a missing path is fine.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR, let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Writes `bytes` to `path`, replacing it; stops the process if that fails (the harness is broken, not the code).
    static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { fatalError("cannot write \(path): errno \(errno)") }
        defer { close(fd) }
        do throws(SystemError) {
            try Syscall.writeAll(fd, bytes)
        } catch {
            fatalError("cannot write \(path): errno \(error.errno)")
        }
    }
}
