import Glibc
import TapedeckSystem

/// Files of a corpus on disk, for the replayer (libFuzzer reads its own corpus directories).
enum CorpusFiles {
    /// `path` itself when it is a file; every regular file below it, sorted, when it is a directory.
    static func list(_ path: String) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [path] }
        guard info.st_mode & S_IFMT == S_IFDIR else { return [path] }
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            found += list("\(path)/\(name)")
        }
        return found.sorted()
    }

    /// The whole file, or nil when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do throws(SystemError) {
                n = try Syscall.call("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            } catch {
                return nil
            }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }
}
