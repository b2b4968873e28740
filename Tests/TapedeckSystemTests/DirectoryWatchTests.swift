import Glibc
import Testing
@testable import TapedeckSystem

/// The watch answers "unchanged" only while no change has happened in the stamped directory, and refuses what it
/// cannot watch; every change below is made by a real file system call on a real directory.
struct DirectoryWatchTests {
    final class TempDirectory {
        let path: String
        init() {
            var template = Array("/tmp/tapedeck-watch-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        }
        deinit { _ = system("rm -rf '\(path)'") }

        func write(_ name: String, _ text: String) {
            let fd = open("\(path)/\(name)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            precondition(fd >= 0)
            _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }

    @Test func aStampHoldsUntilSomethingInItsDirectoryChanges() throws {
        let directory = TempDirectory()
        directory.write("a.json", "1")
        let watch = DirectoryWatch()
        let stamp = try #require(watch.stamp(directory.path))
        #expect(watch.isUnchanged(since: stamp))
        #expect(watch.isUnchanged(since: stamp), "asking again changes nothing")
        directory.write("a.json", "2")
        #expect(!watch.isUnchanged(since: stamp), "a file rewritten in place")
        let second = try #require(watch.stamp(directory.path))
        #expect(watch.isUnchanged(since: second))
        #expect(rename("\(directory.path)/a.json", "\(directory.path)/b.json") == 0)
        #expect(!watch.isUnchanged(since: second), "a file renamed")
        let third = try #require(watch.stamp(directory.path))
        #expect(unlink("\(directory.path)/b.json") == 0)
        #expect(!watch.isUnchanged(since: third), "a file removed")
        let fourth = try #require(watch.stamp(directory.path))
        #expect(chmod(directory.path, 0o700) == 0)
        #expect(!watch.isUnchanged(since: fourth), "the directory's own attributes")
        #expect(watch.watchedCount == 1)
    }

    @Test func aChangeElsewhereLeavesTheStampAlone() throws {
        let one = TempDirectory(), other = TempDirectory()
        let watch = DirectoryWatch()
        let stamp = try #require(watch.stamp(one.path))
        let otherStamp = try #require(watch.stamp(other.path))
        other.write("x.json", "changed")
        #expect(watch.isUnchanged(since: stamp))
        #expect(!watch.isUnchanged(since: otherStamp))
        // A file that lands by an atomic rename from a sibling directory counts for the directory it lands in.
        one.write("tmp", "moved in")
        let again = try #require(watch.stamp(one.path))
        #expect(rename("\(one.path)/tmp", "\(other.path)/moved.json") == 0)
        #expect(!watch.isUnchanged(since: again), "moved out")
    }

    @Test func aRemovedDirectoryStalesItsStampsAndIsWatchedAfreshOnceRemade() throws {
        let parent = TempDirectory()
        let path = "\(parent.path)/ab"
        #expect(mkdir(path, 0o755) == 0)
        let watch = DirectoryWatch()
        let stamp = try #require(watch.stamp(path))
        #expect(rmdir(path) == 0)
        #expect(!watch.isUnchanged(since: stamp))
        #expect(watch.stamp(path) == nil, "a directory that is not there is not watched")
        #expect(mkdir(path, 0o755) == 0)
        let remade = try #require(watch.stamp(path), "asked again once it exists")
        #expect(watch.isUnchanged(since: remade))
        #expect(!watch.isUnchanged(since: stamp))
        #expect(rename(path, "\(parent.path)/cd") == 0)
        #expect(!watch.isUnchanged(since: remade), "the directory moved away from its path")
    }

    /// More events than one read holds (its buffer is 16 KiB) are all taken in by the next question: a stamp taken
    /// after it holds, so none were left behind to stale it later.
    @Test func aFloodOfEventsIsTakenInWhole() throws {
        let directory = TempDirectory()
        let watch = DirectoryWatch()
        let stamp = try #require(watch.stamp(directory.path))
        for index in 0..<1_500 { directory.write("cassette-with-a-long-name-\(index).json", "x") }
        #expect(!watch.isUnchanged(since: stamp))
        let after = try #require(watch.stamp(directory.path))
        #expect(watch.isUnchanged(since: after))
        #expect(watch.isUnchanged(since: after))
    }

    @Test func whatCannotBeWatchedGetsNoStamp() throws {
        let watch = DirectoryWatch()
        #expect(watch.stamp("/proc/self") == nil, "procfs is not a local file system whose changes inotify sees")
        let directory = TempDirectory()
        directory.write("file", "not a directory")
        #expect(watch.stamp("\(directory.path)/file") == nil)
        #expect(watch.stamp("\(directory.path)/missing") == nil)
        #expect(watch.watchedCount == 0)
    }
}
