import Foundation
import Glibc
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct FileIOTests {
    @Test func readReturnsTheBytesOrNilWhenAbsent() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try CassetteFixtures.write(bytes, to: scratch("file"))
        try CassetteFixtures.write([], to: scratch("empty"))
        #expect(try FileIO.readIfPresent(scratch("file"), limit: 1 << 20) == bytes)
        #expect(try FileIO.readIfPresent(scratch("empty"), limit: 0) == [])
        #expect(try FileIO.readIfPresent(scratch("missing"), limit: 1 << 20) == nil)
        // A path through a regular file (ENOTDIR) cannot hold a cassette either.
        #expect(try FileIO.readIfPresent(scratch("file/below"), limit: 1 << 20) == nil)
    }

    @Test func readRefusesFilesOverTheLimit() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write(Array(repeating: 7, count: 100), to: scratch("file"))
        #expect(try FileIO.readIfPresent(scratch("file"), limit: 100)?.count == 100)
        let error = #expect(throws: CassetteError.self) { try FileIO.readIfPresent(scratch("file"), limit: 99) }
        guard case .corrupt(let path, let reason)? = error else { return }
        #expect(path == scratch("file"))
        #expect(reason == "100 bytes is over the 99-byte limit")
    }

    @Test func readFailuresNameTheCallAndPath() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("dir"))
        let error = #expect(throws: CassetteError.self) { try FileIO.readIfPresent(scratch("dir"), limit: 1 << 20) }
        guard case .io(let path, let systemError)? = error else { return }
        #expect(path == scratch("dir"))
        #expect(systemError.call == "read")
        #expect(systemError.errno == EISDIR)
        #expect(error?.description == "read \(scratch("dir")): Is a directory")
    }

    @Test func writeReplacesTheFileAndLeavesNothingElse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.writeAtomically(Array("first, and longer\n".utf8), to: scratch("file"))
        try FileIO.writeAtomically(Array("second\n".utf8), to: scratch("file"))
        #expect(try CassetteFixtures.read(scratch("file")) == Array("second\n".utf8))
        try FileIO.writeAtomically([], to: scratch("empty"))
        #expect(try CassetteFixtures.read(scratch("empty")) == [])
        #expect(CassetteFixtures.tree(scratch.path) == ["empty", "file"])
        var info = stat()
        #expect(stat(scratch("file"), &info) == 0)
        // Readable and writable by the owner, never executable, never writable by others.
        #expect(info.st_mode & 0o600 == 0o600)
        #expect(info.st_mode & 0o133 == 0)
    }

    @Test func aVisibleWriteIsInPlaceWhenItReturnsAndLeavesItsFsyncsToTheSync() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let sync = try FileIO.writeVisible(Array("recorded\n".utf8), to: scratch("file"))
        // Whole, under its name, with no temporary beside it, before the sync has run.
        #expect(try CassetteFixtures.read(scratch("file")) == Array("recorded\n".utf8))
        #expect(CassetteFixtures.tree(scratch.path) == ["file"])
        #expect(sync.isNeeded)
        sync.run()
        // A sync that finds its file replaced or gone does nothing harmful.
        let second = try FileIO.writeVisible(Array("again\n".utf8), to: scratch("file"))
        unlink(scratch("file"))
        second.run()
        #expect(CassetteFixtures.tree(scratch.path).isEmpty)
    }

    @Test func aVisibleWriteInPiecesIsTheirBytesInOrder() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let pieces = [Array("one ".utf8), [], Array(repeating: 7, count: 300_000), Array(" end\n".utf8)]
        let sync = try FileIO.writeVisible(to: scratch("file")) { fd, temporary throws(CassetteError) in
            #expect(temporary.hasPrefix(scratch(".file.")))
            for piece in pieces { try FileIO.writeAll(fd, piece, path: temporary) }
        }
        #expect(try CassetteFixtures.read(scratch("file")) == pieces.flatMap { $0 })
        #expect(CassetteFixtures.tree(scratch.path) == ["file"])
        sync.run()
    }

    @Test func aVisibleWriteWhosePiecesFailLeavesTheOldFileAndNoTemporary() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write(Array("old\n".utf8), to: scratch("file"))
        let error = #expect(throws: CassetteError.self) {
            try FileIO.writeVisible(to: scratch("file")) { fd, temporary throws(CassetteError) in
                try FileIO.writeAll(fd, Array("half".utf8), path: temporary)
                throw .malformed("the spool broke")
            }
        }
        #expect(error?.description == "malformed cassette: the spool broke")
        #expect(try CassetteFixtures.read(scratch("file")) == Array("old\n".utf8))
        #expect(CassetteFixtures.tree(scratch.path) == ["file"])
    }

    @Test func writeIntoAMissingDirectoryFailsNamingIt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let error = #expect(throws: CassetteError.self) { try FileIO.writeAtomically([1], to: scratch("absent/file")) }
        guard case .io(let path, let systemError)? = error else { return }
        #expect(path.hasPrefix(scratch("absent/")))
        #expect(systemError.call == "open")
        #expect(systemError.errno == ENOENT)
        #expect(CassetteFixtures.tree(scratch.path).isEmpty)
    }

    @Test func makeDirectoriesCreatesEveryMissingParentAndToleratesExistingOnes() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("a/b//c/"))
        try FileIO.makeDirectories(scratch("a/b"))
        #expect(CassetteFixtures.tree(scratch.path) == ["a", "a/b", "a/b/c"])
        try CassetteFixtures.write([1], to: scratch("file"))
        let error = #expect(throws: CassetteError.self) { try FileIO.makeDirectories(scratch("file/sub")) }
        guard case .io(let path, let systemError)? = error else { return }
        #expect(path == scratch("file/sub"))
        #expect(systemError.call == "mkdir")
        #expect(systemError.errno == ENOTDIR)
    }

    @Test func listNamesEntriesWithoutDotsAndIsEmptyWhenAbsent() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        #expect(try FileIO.list(scratch.path) == [])
        #expect(try FileIO.list(scratch("absent")) == [])
        try CassetteFixtures.write([], to: scratch(".hidden"))
        try CassetteFixtures.write([], to: scratch("visible"))
        try FileIO.makeDirectories(scratch("sub"))
        let long = String(repeating: "n", count: 255)
        try CassetteFixtures.write([], to: scratch(long))
        #expect(try FileIO.list(scratch.path).sorted() == [".hidden", long, "sub", "visible"])
    }
}
