import Glibc
internal import CLinux

/// Which watched directories changed since a stamp was taken, known without touching them: the kernel queues an
/// inotify(7) event for each change before the changing call returns, and every question here first takes in
/// the queued events (a read that never waits), so a change made before the question is never missed.
///
/// It is coarse on purpose: any event in a directory (a file written, renamed in or out, removed, its attributes
/// changed, the directory itself moved or removed) moves that directory's generation, so a stamp says "nothing
/// in this directory has changed", never more. An overflowed event queue moves every generation at once.
///
/// It refuses (answers nil) rather than guess: directories on file systems whose changes inotify cannot see
/// (NFS, SMB, FUSE and anything not known to be local), a directory that does not exist, a process out of
/// inotify watches or instances. Callers then check the slow way.
public final class DirectoryWatch: Sendable {
    /// A directory's generation when it was stamped.
    public struct Stamp: Sendable, Equatable {
        let descriptor: Int32
        let generation: UInt64
        let epoch: UInt64
    }

    private struct State {
        var fd: Int32 = -1
        var opened = false
        /// Where events are read into: kept for the watch's life, so a hit's drain allocates nothing.
        var buffer: UnsafeMutableRawBufferPointer?
        /// The generation of each watched directory, by watch descriptor.
        var generations: [Int32: UInt64] = [:]
        /// Watched directories by path, and the paths refused.
        var descriptors: [String: Int32] = [:]
        var paths: [Int32: String] = [:]
        var refused: Set<String> = []
        /// Generations are drawn from one counter, so a reused watch descriptor never matches an old stamp.
        var nextGeneration: UInt64 = 1
        /// Moves when the kernel's queue overflowed: every stamp taken before is stale.
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())

    /// File systems known to be local (statfs(2) `f_type`), where inotify sees every change.
    static let localFileSystems: Set<Int> = [
        0xEF53,  // ext2/3/4
        0x5846_5342,  // xfs
        0x9123_683E,  // btrfs
        0x0102_1994,  // tmpfs
        0x794C_7630,  // overlayfs
        0x2FC1_2FC1,  // zfs
        0xF2F5_2010,  // f2fs
        0x3153_464A,  // jfs
        0x5265_4973,  // reiserfs
    ]

    public init() {}

    deinit {
        state.withLock { state in
            if state.fd >= 0 { close(state.fd) }
            state.buffer?.deallocate()
        }
    }

    /// Starts watching `directory` (once) and answers its generation now, with every change queued so far taken
    /// in; nil when it cannot be watched. Stamp before reading what the stamp vouches for.
    public func stamp(_ directory: String) -> Stamp? {
        state.withLock { state -> Stamp? in
            Self.drain(&state)
            if let descriptor = state.descriptors[directory], let generation = state.generations[descriptor] {
                return Stamp(descriptor: descriptor, generation: generation, epoch: state.epoch)
            }
            guard !state.refused.contains(directory) else { return nil }
            guard let descriptor = Self.add(directory, &state) else {
                // A directory not there yet (no cassette recorded in it) may be made later: ask again then.
                if errno != ENOENT && errno != ENOTDIR { state.refused.insert(directory) }
                return nil
            }
            let generation = state.generations[descriptor] ?? Self.advance(&state)
            state.generations[descriptor] = generation
            state.descriptors[directory] = descriptor
            state.paths[descriptor] = directory
            return Stamp(descriptor: descriptor, generation: generation, epoch: state.epoch)
        }
    }

    /// Whether nothing in the stamped directory has changed since `stamp` was taken. Never waits on a disk.
    public func isUnchanged(since stamp: Stamp) -> Bool {
        state.withLock { state in
            Self.drain(&state)
            return stamp.epoch == state.epoch && state.generations[stamp.descriptor] == stamp.generation
        }
    }

    /// How many directories are watched.
    public var watchedCount: Int { state.withLock { $0.descriptors.count } }

    private static func advance(_ state: inout State) -> UInt64 {
        defer { state.nextGeneration += 1 }
        return state.nextGeneration
    }

    /// Adds a watch on `directory`, opening the inotify instance first; nil (errno set) when it cannot.
    private static func add(_ directory: String, _ state: inout State) -> Int32? {
        if !state.opened {
            state.opened = true
            state.fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if state.fd >= 0 { state.buffer = .allocate(byteCount: 16 * 1024, alignment: 8) }
        }
        guard state.fd >= 0 else { errno = EMFILE; return nil }
        let type = tapedeck_filesystem_type(directory)
        guard type != -1 else { return nil }
        guard localFileSystems.contains(type) else { errno = EOPNOTSUPP; return nil }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE)
            | UInt32(IN_DELETE_SELF | IN_MOVE_SELF) | UInt32(IN_ONLYDIR)
        let descriptor = inotify_add_watch(state.fd, directory, mask)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Takes in every queued event without waiting.
    private static func drain(_ state: inout State) {
        guard state.fd >= 0, let buffer = state.buffer else { return }
        while true {
            let count = read(state.fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return }  // EAGAIN: nothing queued (or an error: nothing to take in)
            apply(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), &state)
            if count < buffer.count - 4096 { return }
        }
    }

    /// Applies a read's events: `struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }`.
    private static func apply(_ events: UnsafeRawBufferPointer, _ state: inout State) {
        let header = 16
        var at = 0
        while at + header <= events.count {
            let descriptor = events.loadUnaligned(fromByteOffset: at, as: Int32.self)
            let mask = events.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)
            let nameLength = Int(events.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self))
            at += header + nameLength
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                state.epoch += 1
                continue
            }
            guard state.generations[descriptor] != nil else { continue }
            state.generations[descriptor] = advance(&state)
            if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT) != 0 {
                // The directory is gone from its path (or its watch is): forget it, so the next stamp watches
                // whatever is at the path then.
                if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(state.fd, descriptor) }
                state.generations[descriptor] = nil
                if let path = state.paths.removeValue(forKey: descriptor) { state.descriptors[path] = nil }
            }
        }
    }
}
