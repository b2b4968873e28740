import Foundation
import Glibc
import TapedeckSystem

/// A small tmpfs mounted on a fresh directory of its own, for tests that need a full or a read-only file system.
///
/// Mounting needs root (CAP_SYS_ADMIN); `make` answers nil where it is not allowed (or when
/// `TEST_WITHOUT_MOUNT=1` asks tests to take their fallback), and the caller says which way it went.
/// Unmount in a `defer`: the mount is detached (MNT_DETACH) even while files in it are still open.
package final class TmpfsMount: @unchecked Sendable {
    /// Where it is mounted.
    package let path: String
    /// Its size limit.
    let sizeBytes: Int
    private let mounted = Mutex(true)
    private let views = Mutex<[String]>([])

    private init(path: String, sizeBytes: Int) {
        self.path = path
        self.sizeBytes = sizeBytes
    }

    /// Mounts a tmpfs of `sizeBytes` on a new directory under /tmp; nil when this process may not mount.
    package static func make(sizeBytes: Int, label: String = #function) throws -> TmpfsMount? {
        if ProcessInfo.processInfo.environment["TEST_WITHOUT_MOUNT"] == "1" { return nil }
        let directory = try ScratchDirectory("mount-\(label)").path
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV)
        guard mount("tapedeck-test", directory, "tmpfs", flags, "size=\(sizeBytes),mode=0755") == 0 else {
            let code = errno
            rmdir(directory)
            // EPERM: not root, or a container without CAP_SYS_ADMIN.
            if code == EPERM || code == EACCES { return nil }
            throw SystemError("mount tmpfs", errno: code, context: directory)
        }
        return TmpfsMount(path: directory, sizeBytes: sizeBytes)
    }

    deinit { unmount() }

    /// A path inside the mount.
    package func callAsFunction(_ relative: String) -> String { "\(path)/\(relative)" }

    /// Remounts read-only (writes fail with EROFS, for root too) or read-write again.
    ///
    /// mount(2) refuses a read-only remount with EBUSY while any process holds a file here open for writing. The
    /// test closed its own, but a child another test is spawning at that moment can still hold a copy until it
    /// execs; so EBUSY is retried until the remount takes (or for about 20 s, then reported).
    package func remount(readOnly: Bool) throws {
        var flags = UInt(MS_REMOUNT) | UInt(MS_NOSUID) | UInt(MS_NODEV)
        if readOnly { flags |= UInt(MS_RDONLY) }
        var code: Int32 = 0
        _ = waitUntil {
            code = mount("tapedeck-test", path, "tmpfs", flags, "size=\(sizeBytes),mode=0755") == 0 ? 0 : errno
            return code != EBUSY
        }
        guard code == 0 else { throw SystemError("remount", errno: code, context: path) }
    }

    /// Mounts this tmpfs a second time, read-only, on a new directory (a bind mount): a view in which nothing
    /// can be written while the first mount stays writable. Unmounted by `unmount()`.
    package func readOnlyView() throws -> String {
        let view = try ScratchDirectory("mount-view").path
        guard mount(path, view, nil, UInt(MS_BIND), nil) == 0 else {
            let code = errno
            rmdir(view)
            throw SystemError("mount --bind", errno: code, context: view)
        }
        views.withLock { $0.append(view) }
        // MS_RDONLY is ignored on the bind itself; a bind remount applies it to this view only.
        guard mount(nil, view, nil, UInt(MS_REMOUNT) | UInt(MS_BIND) | UInt(MS_RDONLY), nil) == 0 else {
            throw SystemError("mount -o remount,bind,ro", errno: errno, context: view)
        }
        return view
    }

    /// Fills every byte left with one file, so that the next write anywhere in the mount fails with ENOSPC;
    /// returns the file, whose removal frees the space again.
    @discardableResult
    package func fill() throws -> String {
        let filler = "\(path)/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("open", errno: errno, context: filler) }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x46, count: 64 * 1024)
        // Large writes first, then smaller ones, until not even one byte fits.
        for size in [64 * 1024, 4096, 1] {
            while true {
                do throws(SystemError) {
                    let n = try Syscall.call("write") { block.withUnsafeBytes { write(fd, $0.baseAddress, size) } }
                    if n == 0 { throw SystemError("write", errno: EIO) }
                } catch ENOSPC {
                    break
                } catch {
                    throw SystemError("write", errno: error.errno, context: filler)
                }
            }
        }
        return filler
    }

    /// Unmounts (lazily, so open files cannot keep it) and removes the directory; safe to call twice.
    package func unmount() {
        let first = mounted.withLock { state -> Bool in
            defer { state = false }
            return state
        }
        guard first else { return }
        for view in views.withLock({ $0 }) {
            umount2(view, Int32(MNT_DETACH))
            rmdir(view)
        }
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}
