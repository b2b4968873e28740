import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport
@testable import TapedeckBedrock

/// `tapedeck serve` recording onto a disk that fills up: the client still gets upstream's answer, the log says the
/// cassette was not stored and why, nothing partial is left, hits go on, and recording resumes once there is room.
///
/// The store sits on a 1 MiB tmpfs that the test fills to the last byte (ENOSPC). Where this process may not mount,
/// the same test runs with serve's RLIMIT_FSIZE lowered under the size of the answer instead (EFBIG, "File too
/// large"); the test prints which of the two ran.
@Suite(.tags(.slow)) struct ServeDiskFullSlowTests {
    static let bigPadding = 256 * 1024

    @Test(arguments: StoreKind.allCases)
    func aFullDiskCostsTheRecordingNeverTheAnswer(_ kind: StoreKind) throws {
        let origin = try TestOrigin(handler: EchoOrigin.handler(padding: { $0.hasPrefix("big") ? Self.bigPadding : 0 }))
        defer { origin.stop() }
        let mount = try TmpfsMount.make(sizeBytes: 1 << 20, label: "diskfull-\(kind.rawValue)")
        defer { mount?.unmount() }
        let scratch = try ScratchDirectory("diskfull-\(kind.rawValue)")
        defer { scratch.remove() }
        let directory = mount?.path ?? scratch.path
        print("ServeDiskFullSlowTests[\(kind.rawValue)]: \(mount == nil ? "mount not permitted: RLIMIT_FSIZE on serve (EFBIG)" : "1 MiB tmpfs filled up (ENOSPC)")")
        let spec = kind.spec(in: directory)
        let serve = try ServeProcess(["--store", spec, "--upstream", origin.baseURL])
        defer { serve.kill() }
        let path = ProxyHarness.haikuPath

        let small = try serve.post(path, body: EchoOrigin.requestBody("small"))
        #expect(small.headers["x-tapedeck"] == "miss")
        let smallKey = try #require(small.headers["x-tapedeck-key"])
        #expect(waitUntil { (try? storedCassette(spec, key: smallKey)) != nil }, "the first answer is recorded while there is room")

        let filler: String?
        if let mount {
            filler = try mount.fill()
        } else {
            // Every file the store has is smaller than this; the big answer's cassette is not.
            try ProcessProbe.setFileSizeLimit(serve.pid, bytes: 128 * 1024)
            filler = nil
        }
        // SQLite reports ENOSPC as SQLITE_FULL, but EFBIG (during its COMMIT, where it records no errno) only as an
        // I/O error.
        let reason = switch (mount == nil, kind) {
        case (false, .json): "No space left on device"
        case (false, .sqlite): "database or disk is full"
        case (true, .json): "File too large"
        case (true, .sqlite): "disk I/O error"
        }

        let bigBody = EchoOrigin.requestBody("big answer")
        for attempt in 1...2 {
            let big = try serve.post(path, body: bigBody)
            #expect(big.status == 200, "the answer reaches the client though its cassette cannot be written")
            #expect(big.headers["x-tapedeck"] == "miss", "attempt \(attempt): nothing was stored, so it is a miss again")
            #expect(big.body == EchoOrigin.converseBody("big answer", padding: Self.bigPadding))
            let key = try #require(big.headers["x-tapedeck-key"])
            #expect(waitUntil { serve.lines.filter { $0.contains("not stored") && $0.contains(String(key.prefix(12))) }.count == attempt },
                    "attempt \(attempt): \(serve.lines)")
            let failures = serve.lines.filter { $0.contains("not stored") }
            #expect(failures.last?.contains(reason) == true, "the log says why: \(failures)")
            #expect(try serve.stats()["recordFailures"]?.numberLiteral == "\(attempt)")
            #expect(try storedCassette(spec, key: key) == nil)
        }
        #expect(try serve.request("GET", "/metrics").text.contains("tapedeck_record_failures_total 2\n"))

        let hit = try serve.post(path, body: EchoOrigin.requestBody("small"))
        #expect(hit.headers["x-tapedeck"] == "hit", "what is stored is still served")
        #expect(try json(hit.body).at("output", "message")?["content"]?.arrayValue?.first?["text"]?.stringValue == "echo: small")
        let verify = try TapedeckBinary.run(["verify", "--store", spec])
        #expect(verify.status == 0, "nothing corrupt is left: \(verify.stdout)\(verify.stderr)")
        #expect(try StoreLocation.open(spec).count() == 1)
        if kind == .json {
            let files = CassetteFixtures.tree("\(directory)/cassettes").filter { $0.hasSuffix(".json") || $0.hasSuffix(".tmp") }
            #expect(files == ["\(smallKey.prefix(2))/\(smallKey).json"], "no partial or temporary file is left")
        }

        if let filler {
            unlink(filler)
        } else {
            try ProcessProbe.setFileSizeLimit(serve.pid, bytes: nil)
        }
        let again = try serve.post(path, body: bigBody)
        #expect(again.headers["x-tapedeck"] == "miss")
        let key = try #require(again.headers["x-tapedeck-key"])
        #expect(waitUntil { (try? storedCassette(spec, key: key)) != nil }, "with room again, recording works again")
        let stored = try #require(try storedCassette(spec, key: key))
        #expect(sameJSON(stored.response.body, try json(EchoOrigin.converseBody("big answer", padding: Self.bigPadding))))
        #expect(try serve.post(path, body: bigBody).headers["x-tapedeck"] == "hit")
        #expect(serve.stop() == 0, "\(serve.lines)")
    }
}
