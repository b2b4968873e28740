import Glibc

/// Usage counts live beside the cassettes in `.tapedeck-usage.json`, so hits never rewrite a cassette file
/// (cassettes committed to git stay unchanged); a lock file serialises the read-add-write across processes.
extension JSONFileStore {
    /// The file that holds the counts.
    public var usagePath: String { "\(directory)/.tapedeck-usage.json" }

    public func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        guard !batch.isEmpty else { return }
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
        counts.add(batch)
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
