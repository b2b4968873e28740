import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// The queue of recordings made while the database was away: written in order once it is back, bounded, and a
/// recording the database refuses does not hold up the rest.
struct PostgresOutboxTests {
    private static let lost = PostgresError(sqlState: "", message: "Connection refused", context: "connect", connectionLost: true)

    private func slot(_ text: String) -> (PostgresRevisions.Slot, Cassette) {
        let cassette = CassetteFixtures.cassette(text)
        return (PostgresRevisions.Slot(namespace: "", key: cassette.key), cassette)
    }

    /// A text log written to a scratch file, read back whole.
    private final class FileLog {
        let scratch: ScratchDirectory
        let fd: Int32
        let log: ProcessLog

        init() throws {
            scratch = try ScratchDirectory("outbox-log")
            fd = open(scratch("log"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            log = ProcessLog(fd: fd)
        }

        deinit {
            close(fd)
            scratch.remove()
        }

        func lines() -> [String] {
            log.flush()
            return ((try? String(contentsOfFile: scratch("log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    @Test func recordingsWaitWhileTheDatabaseIsAwayAndAreWrittenInOrderWhenItIsBack() throws {
        let up = Mutex(false)
        let written = Mutex<[String]>([])
        let pipe = try FileLog()
        let outbox = PostgresOutbox(store: "postgres://u:***@h/db", log: pipe.log) { recording throws(PostgresError) in
            guard up.withLock({ $0 }) else { throw Self.lost }
            written.withLock { $0.append(recording.cassette.key.hex) }
        }
        let recordings = ["one", "two", "three"].map(slot)
        for (slot, cassette) in recordings { #expect(outbox.enqueue(slot, cassette, document: [1, 2, 3])) }
        #expect(outbox.recording(for: recordings[1].0)?.cassette == recordings[1].1, "a queued recording answers lookups")
        outbox.flush()
        #expect(outbox.count == 3 && written.withLock { $0 }.isEmpty)
        up.withLock { $0 = true }
        outbox.flush()
        #expect(written.withLock { $0 } == recordings.map(\.1.key.hex))
        #expect(outbox.isEmpty && outbox.recording(for: recordings[1].0) == nil)
        #expect(pipe.lines().contains { $0.contains("queued recordings stored") && $0.contains("written=3") })
    }

    @Test func aFullQueueDropsTheNewRecordingCountedAndLoggedAndKeepsTheQueued() throws {
        let pipe = try FileLog()
        let outbox = PostgresOutbox(store: "db", log: pipe.log, maxCount: 2) { _ throws(PostgresError) in throw Self.lost }
        let recordings = ["one", "two", "three"].map(slot)
        #expect(outbox.enqueue(recordings[0].0, recordings[0].1, document: [1]))
        #expect(outbox.enqueue(recordings[1].0, recordings[1].1, document: [1]))
        #expect(!outbox.enqueue(recordings[2].0, recordings[2].1, document: [1]))
        #expect(outbox.count == 2 && outbox.dropped == 1)
        let bytes = PostgresOutbox(store: "db", log: pipe.log, maxBytes: 4) { _ throws(PostgresError) in throw Self.lost }
        #expect(!bytes.enqueue(recordings[0].0, recordings[0].1, document: [1, 2, 3, 4, 5]))
        outbox.stop()
        let lines = pipe.lines()
        #expect(lines.contains { $0.contains("recording dropped") && $0.contains("dropped=1") })
        #expect(lines.contains { $0.contains("recordings not stored") && $0.contains("queued=2") })
    }

    @Test func aRecordingTheDatabaseRefusesIsDroppedAndTheRestAreWritten() throws {
        let written = Mutex<[String]>([])
        let pipe = try FileLog()
        let recordings = ["one", "two"].map(slot)
        let refused = recordings[0].1.key.hex
        let outbox = PostgresOutbox(store: "db", log: pipe.log) { recording throws(PostgresError) in
            if recording.cassette.key.hex == refused {
                throw PostgresError(sqlState: "22001", message: "value too long", context: "INSERT", connectionLost: false)
            }
            written.withLock { $0.append(recording.cassette.key.hex) }
        }
        for (slot, cassette) in recordings { outbox.enqueue(slot, cassette, document: [1]) }
        outbox.flush()
        #expect(written.withLock { $0 } == [recordings[1].1.key.hex])
        #expect(outbox.isEmpty && outbox.dropped == 1)
    }
}
