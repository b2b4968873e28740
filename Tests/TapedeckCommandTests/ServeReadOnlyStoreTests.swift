import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck serve` on a store it cannot write: it starts, replays what is stored, and every recording attempt
/// fails on its own, named in the log with its key and cause and counted in `/_tapedeck/stats` and `/metrics`.
///
/// The store is made read-only the way root cannot bypass: a tmpfs remounted read-only (EROFS). Where this
/// process may not mount, the files are chmod'ed read-only and, as root, serve runs without the capabilities
/// that ignore permissions (`setpriv --bounding-set=-dac_override,-dac_read_search`); the test prints which ran.
@Suite struct ServeReadOnlyStoreTests {
    /// A store directory that serve cannot write, and how to run tapedeck so that it cannot.
    final class ReadOnlyDirectory {
        let path: String
        let launcher: [String]
        let mechanism: String
        /// The reason a failed write gives.
        let refusal: String
        private let mount: TmpfsMount?
        private let scratch: ScratchDirectory?

        /// A fresh writable directory; `seal()` makes it read-only.
        init(label: String) throws {
            mount = try TmpfsMount.make(sizeBytes: 4 << 20, label: label)
            scratch = mount == nil ? try ScratchDirectory(label) : nil
            path = mount?.path ?? scratch!.path
            if mount != nil {
                launcher = []
                mechanism = "tmpfs remounted read-only"
                refusal = "Read-only file system"
            } else {
                launcher = getuid() == 0 ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] : []
                mechanism = "mount not permitted: chmod a-w" + (getuid() == 0 ? ", serve as root without CAP_DAC_OVERRIDE" : "")
                refusal = "Permission denied"
            }
        }

        /// Makes everything below `path` read-only for tapedeck.
        func seal() throws {
            if let mount { return try mount.remount(readOnly: true) }
            try Self.chmod(path, directories: 0o555, files: 0o444)
        }

        /// Unmounts or removes the directory.
        func remove() {
            mount?.unmount()
            if let scratch {
                try? Self.chmod(scratch.path, directories: 0o755, files: 0o644)
                scratch.remove()
            }
        }

        private static func chmod(_ root: String, directories: mode_t, files: mode_t) throws {
            for name in CassetteFixtures.tree(root) {
                var info = stat()
                guard stat("\(root)/\(name)", &info) == 0 else { throw SystemError("stat", errno: errno, context: name) }
                Glibc.chmod("\(root)/\(name)", info.st_mode & S_IFMT == S_IFDIR ? directories : files)
            }
            Glibc.chmod(root, directories)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReadOnlyStoreIsReplayedAndEveryRecordingFailsOnItsOwn(_ kind: StoreKind) throws {
        let origin = try TestOrigin(handler: EchoOrigin.handler())
        defer { origin.stop() }
        let directory = try ReadOnlyDirectory(label: "readonly-\(kind.rawValue)")
        defer { directory.remove() }
        print("ServeReadOnlyStoreTests[\(kind.rawValue)]: \(directory.mechanism)")
        let spec = kind.spec(in: directory.path)
        // Recorded while writable and closed, as an earlier serve run leaves it (for SQLite: no -wal, no -shm).
        let stored = try #require(try Self.recordOne(spec, question: "stored"))
        let filesBefore = CassetteFixtures.tree(directory.path)
        try directory.seal()

        let serve = try ServeProcess(["--store", spec, "--upstream", origin.baseURL], launcher: directory.launcher)
        defer { serve.kill() }
        #expect(serve.lines.contains { $0.contains(" WARN  store is read-only store=\(spec) ") && $0.contains("every recording will fail") },
                "\(serve.lines)")
        let hit = try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody("stored"))
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(hit.headers["x-tapedeck-key"] == stored.key.hex)
        #expect(try json(hit.body).at("output", "message")?["content"]?.arrayValue?.first?["text"]?.stringValue == "echo: stored")

        let refusal = kind == .sqlite ? "attempt to write a readonly database" : directory.refusal
        for attempt in 1...3 {
            let question = attempt == 3 ? "another" : "new"
            let miss = try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody(question))
            #expect(miss.status == 200)
            #expect(miss.headers["x-tapedeck"] == "miss", "attempt \(attempt): nothing was stored, so upstream is asked again")
            #expect(miss.body == EchoOrigin.converseBody(question))
            let key = try #require(miss.headers["x-tapedeck-key"])
            #expect(waitUntil { serve.lines.filter { $0.contains("not stored") }.count == attempt }, "\(serve.lines)")
            let line = serve.lines.filter { $0.contains("not stored") }.last ?? ""
            #expect(line.contains(" ERROR not stored key=\(key.prefix(12)) store=\(spec) "), "\(line)")
            #expect(line.contains(refusal), "the log says why: \(line)")
            #expect(try serve.stats()["recordFailures"]?.numberLiteral == "\(attempt)")
        }
        #expect(origin.requests.count == 3, "every attempt went upstream")
        #expect(try serve.request("GET", "/metrics").text.contains("tapedeck_record_failures_total 3\n"))
        #expect(serve.stop() == 0, "\(serve.lines)")
        #expect(!serve.lines.contains { $0.contains("hit counts") && !$0.contains("is read-only") }, "no failed hit-count flush: \(serve.lines)")

        let verify = try TapedeckBinary.run(["verify", "--store", spec], launcher: directory.launcher)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("1 cassette"), "\(verify.stdout)")
        #expect(CassetteFixtures.tree(directory.path) == filesBefore, "serve and verify left the store as it was")
    }

    /// A read-only view of a SQLite store that another process keeps writing: serve opens it with `mode=ro` through
    /// the writer's WAL index, not as immutable, so a cassette recorded after serve started is a hit.
    @Test(.enabled(if: getuid() == 0, "a live writer beside a reader that cannot write needs root: a mount, or setpriv"))
    func aReadOnlyViewOfALiveSQLiteStoreSeesNewRecordings() throws {
        let mount = try TmpfsMount.make(sizeBytes: 4 << 20, label: "readonly-live")
        defer { mount?.unmount() }
        let scratch = try ScratchDirectory("readonly-live")
        defer {
            chmod(scratch.path, 0o755)
            scratch.remove()
        }
        let writable = mount?.path ?? scratch.path
        let writer = try SQLiteStore(path: "\(writable)/tapes.db")
        _ = try Self.recordOne("sqlite:\(writable)/tapes.db", question: "first")
        let view: String
        let launcher: [String]
        if let mount {
            view = try mount.readOnlyView()
            launcher = []
            print("ServeReadOnlyStoreTests[live sqlite]: read-only bind mount of a tmpfs")
        } else {
            // The writer here is root, which permissions do not stop; serve runs without that power.
            for name in ["tapes.db", "tapes.db-wal", "tapes.db-shm"] { chmod("\(writable)/\(name)", 0o444) }
            chmod(writable, 0o555)
            view = writable
            launcher = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
            print("ServeReadOnlyStoreTests[live sqlite]: mount not permitted: chmod a-w, serve as root without CAP_DAC_OVERRIDE")
        }
        let serve = try ServeProcess(["--store", "sqlite:\(view)/tapes.db"], launcher: launcher)
        defer { serve.kill() }
        #expect(serve.lines.contains { $0.contains("is read-only") }, "\(serve.lines)")
        #expect(try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody("first")).headers["x-tapedeck"] == "hit")

        // Recorded by the writer after serve opened the file.
        _ = try Self.recordOne("sqlite:\(writable)/tapes.db", question: "second")
        let later = try serve.post(ProxyHarness.haikuPath, body: EchoOrigin.requestBody("second"))
        #expect(later.status == 200)
        #expect(later.headers["x-tapedeck"] == "hit", "the read-only view sees the writer's new commit: \(later.text)")
        #expect(serve.stop() == 0)
        withExtendedLifetime(writer) {}
    }

    @Test func anOlderSchemaThatCannotBeMigratedIsRefusedSayingWhy() throws {
        let directory = try ReadOnlyDirectory(label: "readonly-old-schema")
        defer { directory.remove() }
        let file = "\(directory.path)/tapes.db"
        try SQLiteFixtures.execute(SQLiteSchema.migrations[0].sql + "PRAGMA user_version = 1; PRAGMA journal_mode = WAL;", on: file)
        try directory.seal()
        let result = try TapedeckBinary.run(["serve", "--port", "0", "--store", "sqlite:\(file)"], launcher: directory.launcher)
        #expect(result.status == 1)
        #expect(result.stderr.contains("store \(file) has schema version 1, older than this Tapedeck's \(SQLiteSchema.currentVersion), and is read-only"),
                "\(result.stderr)")
    }

    /// Records one cassette asking `question` into the store `spec` and closes the store; returns the cassette.
    static func recordOne(_ spec: String, question: String) throws -> Cassette? {
        let body = try JSONParser.parse(EchoOrigin.requestBody(question))
        let cassette = Cassette(
            key: try CacheKey.derive(modelId: ProxyHarness.haiku, body: body), operation: .converse, modelId: ProxyHarness.haiku,
            request: body, response: RecordedResponse(status: 200, contentType: "application/json", body: try JSONParser.parse(EchoOrigin.converseBody(question))),
            upstreamLatencyMs: 42, recordedAt: "2026-11-25T12:00:00Z")
        try StoreLocation.open(spec).save(cassette)
        return cassette
    }
}
