import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock
import TapedeckStore

/// Bytes as a JSON store's lock file (`.<key>.lock`, written by another process, or left half-written by a crash),
/// read when this process asks for the lease on that key.
///
/// Properties: asking never crashes and never throws for a lock file that is only bytes; the lease is held by
/// another only when the bytes read as a live, fresh lease on that key of a process that is not gone; otherwise
/// this process gets it, the lock file then reads back as exactly its lease, releasing removes it, and the lease
/// is never a cassette (`entries` stays empty). Bytes that read as a lease encode and read back to the same lease.
enum LeaseFileTarget {
    static let key = CacheKey(hex: String(repeating: "ab", count: 32))!

    static func run(_ bytes: [UInt8]) {
        let store = JSONFileStore(directory: "\(Scratch.path)/lease-json")
        let path = store.leasePath(for: key)
        let shard = String(path[..<path.lastIndex(of: "/")!])
        _ = store.directory.withCString { mkdir($0, 0o755) }
        _ = shard.withCString { mkdir($0, 0o755) }
        write(bytes, to: path)
        defer { unlink(path) }

        let parsed = try? MissLease(json: JSONParser.parse(bytes))
        if let parsed {
            let again = try? MissLease(json: JSONParser.parse(JSONWriter.compact(parsed.jsonValue)))
            Property.check(again == parsed, "a lease does not read back as itself: \(parsed) → \(String(describing: again))")
        }
        let staleAfterMs: Int64 = 60_000
        let result: LeaseResult
        do {
            result = try store.acquireLease(key, staleAfterMs: staleAfterMs)
        } catch {
            return Property.check(false, "asking for a lease over a lock file of \(bytes.count) bytes threw \(error)")
        }
        switch result {
        case .heldByAnother(let holder):
            Property.check(parsed != nil && parsed == holder && !holder.isStale(staleAfterMs: staleAfterMs),
                           "held by \(holder), though the lock file reads as \(String(describing: parsed))")
        case .acquired(let lease):
            if let parsed {
                Property.check(parsed.isStale(staleAfterMs: staleAfterMs), "a live lease \(parsed) was taken over")
            }
            let onDisk = try? FileIO.readIfPresent(path, limit: 64 * 1024).flatMap { try MissLease(json: JSONParser.parse($0)) }
            Property.check(onDisk == lease, "the lock file holds \(String(describing: onDisk)), not the lease taken")
            Property.check((try? store.entries())?.isEmpty == true, "a lease shows as a cassette")
            do {
                try store.releaseLease(lease)
            } catch {
                Property.check(false, "releasing threw \(error)")
            }
            Property.check(access(path, F_OK) != 0, "the lock file is still there after release")
        }
    }

    private static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        Property.check(fd >= 0, "cannot write \(path): errno \(errno)")
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
