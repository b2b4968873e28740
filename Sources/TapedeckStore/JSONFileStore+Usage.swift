import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// Usage counts live beside the cassettes in `.tapedeck-usage.json`, so hits never rewrite a cassette file
/// (cassettes committed to git stay unchanged); a lock file serialises the read-add-write across processes.
extension JSONFileStore {
    /// The file that holds the counts.
    public var usagePath: String { "\(directory)/.tapedeck-usage.json" }

    /// Hits for a cassette that is no longer stored (removed while serve counted them) are dropped, as the
    /// SQLite store drops them, so a cassette recorded again under that key starts from none.
    public func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        var batch = batch
        batch.hits = batch.hits.filter { key, _ in access(path(for: key), F_OK) == 0 }
        guard !batch.isEmpty else { return }
        try updateUsage { counts in
            counts.add(batch)
            return true
        }
    }

    /// Drops the hit count of `key` (its cassette was removed), so a cassette recorded again under it starts
    /// from none.
    func forgetHits(of key: CacheKey) throws(CassetteError) {
        try updateUsage { counts in counts.hits.removeValue(forKey: key) != nil }
    }

    /// Reads the counts, lets `change` alter them and writes them back when it says it did, all under the lock.
    private func updateUsage(_ change: (inout UsageCounts) -> Bool) throws(CassetteError) {
        try FileIO.makeDirectories(directory)
        let lockPath = "\(directory)/.tapedeck-usage.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw .io(path: lockPath, error: SystemError("open", errno: errno)) }
        defer { Syscall.close(lock) }
        do {
            _ = try Syscall.call("flock") { flock(lock, LOCK_EX) }
        } catch {
            throw .io(path: lockPath, error: error)
        }
        var counts = try usage()
        guard change(&counts) else { return }
        try FileIO.writeAtomically(JSONWriter.pretty(counts.jsonValue), to: usagePath)
    }

    public func usage() throws(CassetteError) -> UsageCounts {
        guard let bytes = try FileIO.readIfPresent(usagePath, limit: maxFileBytes) else { return UsageCounts() }
        do {
            return try UsageCounts(json: try JSONParser.parse(bytes))
        } catch let error as CassetteError {
            throw .corrupt(path: usagePath, reason: "\(error)")
        } catch {
            throw .corrupt(path: usagePath, reason: "\(error)")
        }
    }
}
