import Foundation
import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock
import TapedeckStore

/// Leases held by other processes, planted in a store the way those processes would have written them.
package enum LeaseFixtures {
    /// A process on this host that is alive for the whole test: the test runner's parent.
    package static var liveOwner: ProcessIdentity {
        let parent = getppid()
        let here = ProcessIdentity.current
        return ProcessIdentity(pid: parent, startTicks: ProcessIdentity.startTicks(of: parent) ?? 0, bootId: here.bootId, host: here.host)
    }

    /// A process on this host that has exited: a child that ran `true` and was reaped.
    package static func deadOwner() throws -> ProcessIdentity {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let here = ProcessIdentity.current
        // A start time no process can have, so a pid reused since still reads as another process.
        return ProcessIdentity(pid: child.processIdentifier, startTicks: UInt64.max, bootId: here.bootId, host: here.host)
    }

    /// A process on another host, whose pid tells nothing here.
    package static var elsewhereOwner: ProcessIdentity {
        ProcessIdentity(pid: 1, startTicks: 1, bootId: "another-boot", host: "another-host")
    }

    /// A lease on `key` held by `owner`, taken `ageMs` ago.
    package static func lease(_ key: CacheKey, owner: ProcessIdentity, ageMs: Int64 = 0) -> MissLease {
        MissLease(key: key, owner: owner, token: "planted\(UInt32.random(in: 0...UInt32.max))", acquiredAtMs: MissLease.nowMs() - ageMs)
    }

    /// Writes `lease` into the store `spec` names (through `namespace`), as its owner would have.
    package static func plant(_ lease: MissLease, in spec: String, namespace: String = "") throws {
        let store = try StoreLocation.open(spec).namespace(namespace)
        if let json = store as? JSONFileStore {
            let path = json.leasePath(for: lease.key)
            try FileManager.default.createDirectory(atPath: String(path[..<path.lastIndex(of: "/")!]), withIntermediateDirectories: true)
            try CassetteFixtures.write(JSONWriter.compact(lease.jsonValue), to: path)
        } else if let sqlite = store as? SQLiteStore {
            let o = lease.owner
            try SQLiteFixtures.execute("""
                INSERT OR REPLACE INTO leases(namespace, key, pid, start_ticks, boot_id, host, token, acquired_at_ms)
                VALUES(\(SQLiteFixtures.quoted(namespace)), '\(lease.key.hex)', \(o.pid), \(Int64(bitPattern: o.startTicks)),
                \(SQLiteFixtures.quoted(o.bootId)), \(SQLiteFixtures.quoted(o.host)), \(SQLiteFixtures.quoted(lease.token)), \(lease.acquiredAtMs));
                """, on: sqlite.path)
        }
    }

    /// How many leases the store `spec` holds, in every namespace: lock files or rows.
    package static func count(in spec: String) throws -> Int {
        let store = try StoreLocation.open(spec)
        if let sqlite = store as? SQLiteStore {
            return Int(try SQLiteFixtures.text("SELECT count(*) FROM leases", on: sqlite.path) ?? "0") ?? 0
        }
        guard let json = store as? JSONFileStore else { return 0 }
        return CassetteFixtures.tree(json.root).filter { path in
            let name = path.split(separator: "/").last ?? ""
            return name.hasPrefix(".") && name.hasSuffix(".lock") && !name.hasPrefix(".tapedeck-")
        }.count
    }
}
