import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// Leases as lock files: `DIR/<shard>/.<key>.lock` beside where the cassette file goes, holding the lease's JSON.
///
/// A dot file is never a cassette (`entries` reads only `<key>.json`), so no listing, `ls`, `verify`, `prune`,
/// export or the browser sees one. A lock file appears whole or not at all: it is written under a temporary name
/// and hard-linked into place, and link(2) fails with EEXIST when the name is taken, the same test as
/// `O_CREAT | O_EXCL` without a moment in which the file is empty. Taking over a stale lock and releasing a lock
/// both re-read it under `flock` on its shard directory (no file of its own to leave behind), so nobody removes a
/// lock they did not just check.
extension JSONFileStore {
    /// The lock file of `key`'s lease.
    public func leasePath(for key: CacheKey) -> String {
        "\(directory)/\(key.hex.prefix(2))/.\(key.hex).lock"
    }

    public func acquireLease(_ key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult {
        // A store nobody can write records nothing, so there is nothing to wait for.
        if isReadOnly { return .acquired(.fresh(key, shared: false)) }
        let path = leasePath(for: key)
        try FileIO.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        // The holder may release between a failed link and the read: look again, a few times.
        for _ in 0..<3 {
            let held = try readLease(path)
            if let held, !held.isStale(staleAfterMs: staleAfterMs) { return .heldByAnother(held) }
            let lease = MissLease.fresh(key)
            if held == nil {
                if try Self.createExclusively(JSONWriter.compact(lease.jsonValue), at: path) { return .acquired(lease) }
                continue
            }
            if try takeOver(path, from: held, with: lease) { return .acquired(lease) }
        }
        if let held = try readLease(path) { return .heldByAnother(held) }
        // Taken and released again three times while this process looked: someone is recording it right now.
        return .heldByAnother(MissLease(key: key, owner: .current, token: "", acquiredAtMs: MissLease.nowMs()))
    }

    public func releaseLease(_ lease: MissLease) throws(CassetteError) {
        guard lease.isShared else { return }
        let path = leasePath(for: lease.key)
        try withLeaseGuard(path) { () throws(CassetteError) in
            guard let held = try readLease(path), held.token == lease.token else { return }
            try Self.unlinkIfPresent(path)
        }
    }

    /// Replaces the stale lock at `path` (as `stale` read it) with `lease`; false when it changed meanwhile.
    private func takeOver(_ path: String, from stale: MissLease?, with lease: MissLease) throws(CassetteError) -> Bool {
        try withLeaseGuard(path) { () throws(CassetteError) -> Bool in
            // Under the guard, so the lock removed is the one judged stale, not one taken since.
            guard try readLease(path)?.token == stale?.token else { return false }
            try Self.unlinkIfPresent(path)
            return try Self.createExclusively(JSONWriter.compact(lease.jsonValue), at: path)
        }
    }

    /// The lease in the lock file at `path`; nil when there is none. A lock that does not read as a lease (left
    /// by a crash before its bytes reached the disk) is taken to be an old one, stale at once.
    private func readLease(_ path: String) throws(CassetteError) -> MissLease? {
        guard let bytes = try FileIO.readIfPresent(path, limit: 64 * 1024) else { return nil }
        do {
            return try MissLease(json: try JSONParser.parse(bytes))
        } catch {
            return MissLease(
                key: CacheKey(hex: String(repeating: "0", count: 64))!, owner: ProcessIdentity(pid: 0, startTicks: 0, bootId: "", host: ""),
                token: "unreadable", acquiredAtMs: 0)
        }
    }

    /// Runs `body` holding an exclusive `flock` on the directory of the lock file at `path`.
    private func withLeaseGuard<T>(_ path: String, _ body: () throws(CassetteError) -> T) throws(CassetteError) -> T {
        let shard = String(path[..<path.lastIndex(of: "/")!])
        let fd = open(shard, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            // No shard directory, so no lock file in it: nothing to take over or release.
            if errno == ENOENT { return try body() }
            throw .io(path: shard, error: SystemError("open", errno: errno))
        }
        // Closing the descriptor drops the flock.
        defer { Syscall.close(fd) }
        do {
            // flock(2) works on a directory's descriptor as on a file's.
            _ = try Syscall.call("flock") { flock(fd, LOCK_EX) }
        } catch {
            throw .io(path: shard, error: error)
        }
        return try body()
    }

    /// Creates `path` holding `bytes` unless it exists (then false): written to a temporary file, then linked.
    static func createExclusively(_ bytes: [UInt8], at path: String) throws(CassetteError) -> Bool {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let name = path.split(separator: "/").last ?? "lease"
        let temporary = "\(directory)/\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, error: SystemError("open", errno: errno)) }
        defer { unlink(temporary) }
        do throws(SystemError) {
            try Syscall.writeAll(fd, bytes)
        } catch {
            Syscall.close(fd)
            throw .io(path: temporary, error: error)
        }
        Syscall.close(fd)
        // link(2): fails with EEXIST if the new name exists, atomically, as open(2)'s O_EXCL does.
        guard link(temporary, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw .io(path: path, error: SystemError("link", errno: code))
        }
        return true
    }

    /// Removes `path`; one already gone is fine.
    private static func unlinkIfPresent(_ path: String) throws(CassetteError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(path: path, error: SystemError("unlink", errno: errno)) }
    }
}
