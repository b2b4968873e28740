import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct JSONFileStoreTests {
    /// The path a `.corrupt` error names, or a description of what was thrown instead.
    private func corruptPath(_ store: JSONFileStore, _ key: CacheKey) -> String {
        do {
            let loaded = try store.load(key)
            return "loaded \(loaded == nil ? "nil" : "a cassette")"
        } catch {
            guard case .corrupt(let path, _) = error else { return "unexpected \(error)" }
            return path
        }
    }

    /// Writes `bytes` where the fixture cassette's file belongs and returns the store and that path.
    private func storeWithFile(_ bytes: [UInt8], in scratch: ScratchDirectory, key: CacheKey) throws -> (JSONFileStore, String) {
        let store = JSONFileStore(directory: scratch.path)
        let path = store.path(for: key)
        try FileIO.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        try CassetteFixtures.write(bytes, to: path)
        return (store, path)
    }

    @Test func saveThenLoadRoundTripsEveryField() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let loaded = try #require(try store.load(cassette.key))
        #expect(loaded == CassetteFixtures.asLoaded(cassette))
        #expect(loaded.request["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]
                == .string("Café ☕ 😀 \"quoted\" a/b\\c\ttab"))
        #expect(try store.count() == 1)
    }

    @Test func fileLivesInItsShardAndHoldsThePrettyEncoding() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path + "///")
        #expect(store.directory == scratch.path)
        #expect(store.description == "json:\(scratch.path)")
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let shard = String(cassette.key.hex.prefix(2))
        #expect(store.path(for: cassette.key) == scratch("\(shard)/\(cassette.key.hex).json"))
        #expect(CassetteFixtures.tree(scratch.path) == [shard, "\(shard)/\(cassette.key.hex).json"])
        let bytes = try CassetteFixtures.read(store.path(for: cassette.key))
        #expect(bytes == cassette.encoded())
        #expect(!String(decoding: bytes, as: UTF8.self).contains(#"\/"#))
    }

    @Test func reRecordingChangesOnlyTheTimestampAndLatencyLines() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        var cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let before = CassetteFixtures.lines(try CassetteFixtures.read(store.path(for: cassette.key)))
        cassette.recordedAt = "2027-01-02T03:04:05Z"
        cassette.upstreamLatencyMs = 98765
        try store.save(cassette)
        let after = CassetteFixtures.lines(try CassetteFixtures.read(store.path(for: cassette.key)))
        #expect(before.count == after.count)
        let changed = zip(before, after).filter { $0 != $1 }
        #expect(changed.map(\.0) == [#"  "recordedAt": "2026-11-25T17:04:05Z","#, #"  "upstreamLatencyMs": 321"#])
        #expect(changed.map(\.1) == [#"  "recordedAt": "2027-01-02T03:04:05Z","#, #"  "upstreamLatencyMs": 98765"#])
        #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
    }

    @Test func aMissingKeyOrDirectoryLoadsNilAndCountsZero() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let key = CassetteFixtures.cassette().key
        #expect(try JSONFileStore(directory: scratch.path).load(key) == nil)
        #expect(try JSONFileStore(directory: scratch.path).count() == 0)
        let absent = JSONFileStore(directory: scratch("not/there"))
        #expect(try absent.load(key) == nil)
        #expect(try absent.count() == 0)
        #expect(CassetteFixtures.tree(scratch.path).isEmpty)
    }

    @Test func saveCreatesMissingDirectories() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch("a/b/c"))
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
        #expect(try store.count() == 1)
    }

    @Test func aRelativeDirectoryWorks() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // A path relative to the working directory, which tests share: reach the scratch directory by `..` hops.
        let hops = FileManager.default.currentDirectoryPath.split(separator: "/").map { _ in ".." }.joined(separator: "/")
        let store = JSONFileStore(directory: "\(hops)\(scratch.path)/rel")
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        #expect(try JSONFileStore(directory: scratch("rel")).load(cassette.key) == CassetteFixtures.asLoaded(cassette))
    }

    @Test func badJSONIsCorruptNamingThePath() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let key = CassetteFixtures.cassette().key
        for garbage in ["", "not json", "{\"format\": 1,}", "[]", "\u{FEFF}{}", "{\"a\":1} {\"b\":2}"] {
            let (store, path) = try storeWithFile(Array(garbage.utf8), in: scratch, key: key)
            #expect(corruptPath(store, key) == path, "\(garbage)")
        }
        let (store, path) = try storeWithFile([0xFF, 0xFE, 0x00, 0x7B], in: scratch, key: key)
        #expect(corruptPath(store, key) == path)
        let error = #expect(throws: CassetteError.self) { try store.load(key) }
        #expect(error?.description.hasPrefix("corrupt cassette \(path): ") == true)
    }

    @Test func everyTruncationOfARealFileIsAnErrorNeverACrash() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let store = JSONFileStore(directory: scratch.path)
        try store.save(cassette)
        let path = store.path(for: cassette.key)
        let full = try CassetteFixtures.read(path)
        // Dropping only the trailing newline leaves a complete document, which must still load.
        for length in 0..<(full.count - 1) {
            try CassetteFixtures.write(Array(full[..<length]), to: path)
            #expect(corruptPath(store, cassette.key) == path, "prefix of \(length) bytes")
        }
        try CassetteFixtures.write(Array(full.dropLast()), to: path)
        #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
    }

    @Test func aFileHoldingAnotherKeyIsCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let mine = CassetteFixtures.cassette("mine")
        let theirs = CassetteFixtures.cassette("theirs")
        let (store, path) = try storeWithFile(theirs.encoded(), in: scratch, key: mine.key)
        #expect(corruptPath(store, mine.key) == path)
        let error = #expect(throws: CassetteError.self) { try store.load(mine.key) }
        #expect(error?.description.contains(theirs.key.hex) == true)
    }

    @Test(arguments: [
        (#""format": 1"#, #""format": "1""#),
        (#""format": 1,"#, ""),
        (#""status": 200"#, #""status": "200""#),
        (#""upstreamLatencyMs": 321"#, #""upstreamLatencyMs": 321.5"#),
        (#""operation": "converse-stream","#, ""),
        (#""operation": "converse-stream""#, #""operation": "invoke-model""#),
    ])
    func malformedFieldsAreCorruptNamingThePath(_ old: String, _ new: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let text = String(decoding: cassette.encoded(), as: UTF8.self)
        #expect(text.contains(old))
        let (store, path) = try storeWithFile(Array(text.replacingOccurrences(of: old, with: new).utf8), in: scratch, key: cassette.key)
        #expect(corruptPath(store, cassette.key) == path)
    }

    @Test func aNewerFormatNamesThePathAndIsNotCalledCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let text = String(decoding: cassette.encoded(), as: UTF8.self).replacingOccurrences(of: #""format": 1"#, with: #""format": 3"#)
        let (store, path) = try storeWithFile(Array(text.utf8), in: scratch, key: cassette.key)
        let error = #expect(throws: CassetteError.self) { try store.load(cassette.key) }
        guard case .newerFormat(let named, let format)? = error else { Issue.record("expected newerFormat, got \(String(describing: error))"); return }
        #expect(named == path)
        #expect(format == 3)
    }

    @Test func aFileOverTheLimitIsRefusedBeforeItIsRead() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let store = JSONFileStore(directory: scratch.path)
        try store.save(cassette)
        let path = store.path(for: cassette.key)
        // A sparse terabyte: reading it would exhaust memory, so refusing it proves the size is checked first.
        #expect(truncate(path, 1 << 40) == 0)
        let error = #expect(throws: CassetteError.self) { try store.load(cassette.key) }
        guard case .corrupt(let named, let reason)? = error else { return }
        #expect(named == path)
        #expect(reason == "1099511627776 bytes is over the \(JSONFileStore.defaultMaxFileBytes)-byte limit")
    }

    @Test func theLimitIsInclusive() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let size = cassette.encoded().count
        try JSONFileStore(directory: scratch.path).save(cassette)
        #expect(try JSONFileStore(directory: scratch.path, maxFileBytes: size).load(cassette.key) != nil)
        let tight = JSONFileStore(directory: scratch.path, maxFileBytes: size - 1)
        #expect(corruptPath(tight, cassette.key) == tight.path(for: cassette.key))
    }

    @Test func savesLeaveNoTemporaryFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        var expected: [String] = []
        for index in 0..<20 {
            var cassette = CassetteFixtures.cassette("message \(index)")
            try store.save(cassette)
            cassette.upstreamLatencyMs += 1
            try store.save(cassette)
            expected.append("\(cassette.key.hex.prefix(2))/\(cassette.key.hex).json")
        }
        let files = CassetteFixtures.tree(scratch.path).filter { $0.contains("/") }
        #expect(files == expected.sorted())
        #expect(try store.count() == 20)
    }

    @Test func aFailedSaveLeavesNoTemporaryFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let store = JSONFileStore(directory: scratch.path)
        // A directory where the file should go makes the rename fail after the temporary file was written.
        try FileIO.makeDirectories(store.path(for: cassette.key))
        try CassetteFixtures.write([1], to: store.path(for: cassette.key) + "/occupied")
        let error = #expect(throws: CassetteError.self) { try store.save(cassette) }
        guard case .io(let path, let systemError)? = error else { return }
        #expect(path == store.path(for: cassette.key))
        #expect(systemError.call == "rename")
        let shard = String(cassette.key.hex.prefix(2))
        #expect(CassetteFixtures.tree(scratch.path) == [shard, "\(shard)/\(cassette.key.hex).json", "\(shard)/\(cassette.key.hex).json/occupied"])
    }

    @Test func countIgnoresTemporaryAndDotFilesAndNonShardDirectories() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let cassettes = (0..<3).map { CassetteFixtures.cassette("count \($0)") }
        for cassette in cassettes { try store.save(cassette) }
        let shard = String(cassettes[0].key.hex.prefix(2))
        let hex = cassettes[0].key.hex
        // In a shard: a temporary file, dot files, other names, and a key that belongs in another shard.
        let misplaced = cassettes[1].key.hex.hasPrefix(shard) ? cassettes[2].key.hex : cassettes[1].key.hex
        for name in [".\(hex).json.123.456.tmp", ".hidden.json", "notes.txt", "notes.json", "\(hex).json.orig", "\(misplaced).json"] {
            try CassetteFixtures.write([1], to: scratch("\(shard)/\(name)"))
        }
        // Directories that are not shards (upper case is not how keys are spelled).
        try FileIO.makeDirectories(scratch("\(shard)/\(hex).json.d"))
        for directory in ["zz", "abc", ".git", "AB", "-1"] {
            try FileIO.makeDirectories(scratch(directory))
            try CassetteFixtures.write([1], to: scratch("\(directory)/\(hex).json"))
        }
        try CassetteFixtures.write([1], to: scratch("\(hex).json"))
        try CassetteFixtures.write([1], to: scratch("README.md"))
        #expect(try store.count() == 3)
    }

    @Test func countIgnoresAStrayFileWithAShardName() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let other = cassette.key.hex.hasPrefix("ab") ? "cd" : "ab"
        try CassetteFixtures.write([1], to: scratch(other))
        #expect(try store.count() == 1)
    }

    @Test func concurrentSavesOfDifferentCassettesAllLand() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let threads = 16, perThread = 25
        let barrier = Barrier(parties: threads)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thread in 0..<threads {
                group.addTask {
                    try await onOwnThread {
                        barrier.arriveAndWait()
                        for index in 0..<perThread { try store.save(CassetteFixtures.cassette("t\(thread) i\(index)")) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!barrier.timedOut)
        #expect(try store.count() == threads * perThread)
        for thread in 0..<threads {
            for index in 0..<perThread {
                let cassette = CassetteFixtures.cassette("t\(thread) i\(index)")
                #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
            }
        }
        #expect(!CassetteFixtures.tree(scratch.path).contains { $0.hasSuffix(".tmp") })
    }

    @Test func concurrentSavesOfOneKeyLeaveOneWholeVersion() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let writers = 8, rounds = 10
        // Versions of very different sizes, so a mix of two would show as bad JSON, a wrong length or a wrong answer.
        let versions = (0..<writers).map { writer in
            CassetteFixtures.asLoaded(CassetteFixtures.cassette(
                "same", answer: String(repeating: "\(writer)", count: 1 + writer * 40_000), latency: writer))
        }
        let key = versions[0].key
        let barrier = Barrier(parties: writers + 1)
        let seen = Mutex<[String]>([])
        let finished = Mutex(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    try await onOwnThread {
                        barrier.arriveAndWait()
                        defer { finished.withLock { $0 += 1 } }
                        for _ in 0..<rounds { try store.save(versions[writer]) }
                    }
                }
            }
            // A reader racing the writers until they are done sees nothing or one whole version, never a torn file.
            group.addTask {
                try await onOwnThread {
                    barrier.arriveAndWait()
                    while finished.withLock({ $0 }) < writers {
                        do {
                            if let loaded = try store.load(key), !versions.contains(loaded) {
                                seen.withLock { $0.append("a cassette that is none of the versions") }
                            }
                        } catch {
                            seen.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(seen.withLock { $0 } == [])
        let final = try #require(try store.load(key))
        #expect(versions.contains(final))
        #expect(try CassetteFixtures.read(store.path(for: key)) == versions[final.upstreamLatencyMs].encoded())
        #expect(CassetteFixtures.tree(scratch.path) == [String(key.hex.prefix(2)), "\(key.hex.prefix(2))/\(key.hex).json"])
    }

    @Test func twoStoresOnOneDirectoryShareIt() async throws {
        // Stands in for two processes: separate instances, nothing shared but the directory.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let shared = CassetteFixtures.cassette("both write this")
        let barrier = Barrier(parties: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for side in 0..<2 {
                group.addTask {
                    try await onOwnThread {
                        let store = JSONFileStore(directory: scratch.path)
                        barrier.arriveAndWait()
                        for index in 0..<30 {
                            try store.save(CassetteFixtures.cassette("side \(side) \(index)"))
                            var mine = shared
                            mine.upstreamLatencyMs = side
                            try store.save(mine)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let reader = JSONFileStore(directory: scratch.path)
        #expect(try reader.count() == 61)
        for side in 0..<2 {
            for index in 0..<30 { #expect(try reader.load(CassetteFixtures.cassette("side \(side) \(index)").key) != nil) }
        }
        let final = try #require(try reader.load(shared.key))
        #expect([0, 1].contains(final.upstreamLatencyMs))
        #expect(!CassetteFixtures.tree(scratch.path).contains { $0.hasSuffix(".tmp") })
    }
}
