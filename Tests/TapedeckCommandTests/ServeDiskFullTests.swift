import Foundation
import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport
@testable import TapedeckBedrock

/// `tapedeck serve` and file-size limits.
@Suite struct ServeDiskFullTests {
    /// Hit counts are written at shutdown on a thread of their own: a write past the file-size limit there must fail
    /// with EFBIG and be reported, not deliver SIGXFSZ's default action (killing serve with a core dump).
    @Test func aWritePastTheFileSizeLimitIsReportedAndNeverKillsServe() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        try JSONFileStore(directory: scratch.path).save(cassette)
        let serve = try ServeProcess(["--store", "json:\(scratch.path)"])
        defer { serve.kill() }
        try ProcessProbe.setFileSizeLimit(serve.pid, bytes: 1)
        let hit = try serve.post("/model/\(BedrockRoute.encodePathSegment(cassette.modelId))/converse",
                                 body: String(decoding: JSONWriter.compact(cassette.request), as: UTF8.self))
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(serve.stop() == 0)
        #expect(serve.process.terminationReason == .exit, "serve was killed by a signal: \(serve.lines)")
        #expect(serve.lines.contains { $0.contains(" WARN  cannot save hit counts ") && $0.contains("File too large") }, "\(serve.lines)")
    }
}
