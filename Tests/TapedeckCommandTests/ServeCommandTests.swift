import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport
@testable import TapedeckProxy

/// `tapedeck serve` as a user runs it: the real binary, a real socket, real signals.
@Suite struct ServeCommandTests {
    /// What one serve run showed: its port, the health answer, its exit and its whole stderr.
    private struct Run: Sendable {
        var listening: String?
        var health: Int?
        var healthBody: String
        var status: Int32
        var reason: Process.TerminationReason
        var lines: [String]
    }

    /// Starts serve on port 0 with `extra` flags, asks for health, sends `signal`, and collects how it ended.
    private func serve(stopWith signal: Int32, store: String, extra: [String] = []) async throws -> Run {
        try await onOwnThread {
            let running = try TapedeckBinary.Running(["serve", "--port", "0", "--store", "json:\(store)"] + extra)
            guard let line = running.waitForListening() else {
                running.send(SIGKILL)
                let (status, reason) = running.waitForExit()
                return Run(listening: nil, health: nil, healthBody: "", status: status, reason: reason, lines: running.lines)
            }
            var health: Int?
            var body = ""
            if let port = TapedeckBinary.port(inListening: line) {
                let client = try RawClient(port: port)
                try client.send("GET /_tapedeck/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let response = try client.readResponse()
                health = response?.status
                body = response?.text ?? ""
            }
            running.send(signal)
            _ = running.waitForLine(containing: "stopped")
            let (status, reason) = running.waitForExit()
            return Run(listening: line, health: health, healthBody: body, status: status, reason: reason, lines: running.lines)
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func servesHealthAndStopsCleanlyOnSignal(_ signal: Int32) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try JSONFileStore(directory: scratch.path).save(CassetteFixtures.cassette())
        let run = try await serve(stopWith: signal, store: scratch.path)
        let listening = try #require(run.listening, "no listening line; stderr: \(run.lines)")
        let match = listening.firstRange(of: " INFO  listening address=http://127.0.0.1:")
        #expect(match != nil)
        let port = match.flatMap { Int(listening[$0.upperBound...].prefix { $0 != " " }) }
        #expect(port.map { (1...65535).contains($0) } == true)
        #expect(listening.hasSuffix(" mode=replay store=json:\(scratch.path) cassettes=1 upstream=none version=\(ProxyEngine.version)"))
        #expect(run.health == 200)
        #expect(run.healthBody.contains(#""status":"ok""#))
        #expect(run.healthBody.contains(#""store":"json:…/\#(scratch.path.split(separator: "/").last!)""#), "\(run.healthBody)")
        #expect(!run.healthBody.contains(scratch.path))
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        #expect(run.lines.contains { $0.hasSuffix(" INFO  shutting down signal=\(name) grace_seconds=10") }, "\(run.lines)")
        #expect(run.lines.last?.hasSuffix(" INFO  stopped") == true, "\(run.lines)")
        #expect(!run.lines.contains { $0.contains("/_tapedeck/health") }, "health is a debug line: \(run.lines)")
        #expect(run.reason == .exit)
        #expect(run.status == 0)
    }

    @Test func aHostBeyondLoopbackWithoutAnAuthTokenExitsTwo() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let result = try await onOwnThread {
            try TapedeckBinary.run(["serve", "--host", "0.0.0.0", "--port", "0", "--store", "json:\(scratch.path)"])
        }
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1, "\(result.stderrLines)")
        #expect(result.stderr.contains("--host 0.0.0.0 listens beyond this machine without --auth-token"))
        #expect(result.stderr.contains("spend your upstream credentials and read your cassettes"))
    }

    @Test func anAuthTokenIsRequiredAndNeverLogged() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let token = "never-in-the-log-0123456789"
        let (lines, statuses) = try await onOwnThread { () throws -> ([String], [Int?]) in
            let running = try TapedeckBinary.Running(
                ["serve", "--port", "0", "--store", "json:\(scratch.path)"], environment: ["TAPEDECK_AUTH_TOKEN": token])
            guard let port = running.waitForPort() else {
                running.send(SIGKILL)
                _ = running.waitForExit()
                return (running.lines, [])
            }
            var statuses: [Int?] = []
            for (path, headers) in [("/_tapedeck/health", ""), ("/_tapedeck/stats", ""), ("/_tapedeck/stats", "x-tapedeck-token: \(token)\r\n"),
                                    ("/_tapedeck/stats", "x-tapedeck-token: \(token)x\r\n")] {
                let client = try RawClient(port: port)
                try client.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)\r\n")
                statuses.append(try client.readResponse()?.status)
            }
            running.send(SIGTERM)
            _ = running.waitForLine(containing: "stopped")
            _ = running.waitForExit()
            return (running.lines, statuses)
        }
        #expect(statuses == [200, 403, 200, 403])
        #expect(lines.contains { $0.contains("auth token required") }, "\(lines)")
        #expect(!lines.contains { $0.contains(token) }, "\(lines)")
        #expect(lines.contains { $0.contains("TAPEDECK_AUTH_TOKEN") }, "the summary names the variable, not its value")
    }

    @Test func aMissingStoreDirectoryStartsEmpty() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let run = try await serve(stopWith: SIGTERM, store: scratch("not/yet"))
        #expect(run.health == 200)
        #expect(run.lines.contains { $0.contains(" listening ") && $0.contains(" cassettes=0 ") })
        // Replay mode with nothing to replay says so, rather than 404 every request in silence.
        #expect(run.lines.contains {
            $0.contains(" WARN  no cassettes to replay store=json:\(scratch("not/yet")) effect=\"every request will miss")
        }, "\(run.lines)")
        #expect(run.status == 0)
    }

    @Test func theStartUpCountHasEveryNamespaceAndAStoreWithCassettesGivesNoWarning() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        try store.save(CassetteFixtures.cassette())
        try store.namespace("test_login").save(CassetteFixtures.cassette())
        let run = try await serve(stopWith: SIGTERM, store: scratch.path)
        #expect(run.lines.contains { $0.contains(" listening ") && $0.contains(" cassettes=2 ") }, "\(run.lines)")
        #expect(!run.lines.contains { $0.contains("no cassettes to replay") })
    }

    /// serve runs on Glibc, Dispatch, libcurl and SQLite alone: Foundation's libraries (and ICU's data) would add
    /// about 9 MiB to every server's resident memory, so none is mapped. Its threads carry their names (cut to the
    /// kernel's 15 bytes).
    @Test func serveMapsNoFoundationLibraryAndNamesItsThreads() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (maps, threads) = try await onOwnThread { () throws -> (String, [String]) in
            let running = try TapedeckBinary.Running(
                ["serve", "--port", "0", "--store", "json:\(scratch.path)", "--upstream", "http://127.0.0.1:9"])
            defer {
                running.send(SIGKILL)
                _ = running.waitForExit()
            }
            try #require(running.waitForListening() != nil, "\(running.lines)")
            let pid = running.process.processIdentifier
            let maps = try Self.procFile("/proc/\(pid)/maps")
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
            let names = try tasks.map { task in
                try Self.procFile("/proc/\(pid)/task/\(task)/comm").trimmingCharacters(in: .newlines)
            }
            return (maps, names)
        }
        #expect(maps.contains("libcurl"), "the maps were read: \(maps.prefix(300))")
        let foundation = maps.split(separator: "\n").filter { $0.contains("Foundation") || $0.contains("icu") }
        #expect(foundation.isEmpty, "\(foundation)")
        #expect(threads.contains("tapedeck-loop-0") && threads.contains("tapedeck-upstre") && threads.contains("tapedeck-ledger"),
                "\(threads)")
    }

    /// A /proc file read to its end (they report a size of 0, so nothing sized by `stat` reads them).
    private static func procFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", errno: errno, context: path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = try Syscall.call("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            guard n > 0 else { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func aPortInUseExitsOneNamingTheAddress() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try await onOwnThread {
            try TapedeckBinary.run(["serve", "--port", "\(port)", "--store", "json:\(scratch.path)"])
        }
        #expect(result.reason == .exit)
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderrLines)")
        #expect(result.stderr.contains(
            #" ERROR cannot listen address=127.0.0.1:\#(port) error="bind 127.0.0.1:\#(port): Address already in use""#), "\(result.stderr)")
        #expect(result.stdout == "")
    }

    @Test func anUnreadableStoreExitsOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write([1], to: scratch("file"))
        let result = try await onOwnThread {
            try TapedeckBinary.run(["serve", "--port", "0", "--store", "json:\(scratch("file"))"])
        }
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains(
            " ERROR cannot open store store=json:\(scratch("file")) error=\"opendir \(scratch("file")): Not a directory\""), "\(result.stderr)")
    }

    /// A second Ctrl-C during the shutdown exits at once: with a live stream still waiting on upstream (held there
    /// until the end of the test), serve drains, then on the second SIGINT says what it drops, cuts the stream off,
    /// records nothing half-done and exits 130, all while upstream still holds the stream open.
    @Test func aSecondInterruptExitsWhileAStreamIsStillOpen() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let release = DispatchSemaphore(value: 0)
        let origin = try TestOrigin { request in
            var chunks = EchoOrigin.streamFrames(EchoOrigin.question(request.body) ?? "").map { TestOrigin.Chunk($0) }
            chunks[1].before = { release.wait() }
            return TestOrigin.Reply.chunked(headers: StreamFrames.eventStream, chunks: chunks).closingConnection()
        }
        defer {
            release.signal()
            origin.stop()
        }
        let serve = try ServeProcess(["--store", "json:\(scratch.path)", "--upstream", origin.baseURL])
        defer { serve.kill() }
        let (firstChunk, cutOff, status) = try await onOwnThread {
            let client = try RawClient(port: serve.port)
            try client.send("POST", ProxyHarness.haikuPath + "-stream", body: Array(EchoOrigin.requestBody("held").utf8))
            _ = try client.readHead()
            let first = try client.readChunk()
            kill(serve.pid, SIGINT)
            _ = serve.waitForLine(containing: " INFO  shutting down signal=SIGINT")
            kill(serve.pid, SIGINT)
            serve.process.waitUntilExit()
            return (first, client.readUntilClosed(), serve.process.terminationStatus)
        }
        #expect(firstChunk != nil, "the stream was under way")
        #expect(status == 130)
        #expect(cutOff, "the client's stream was closed")
        _ = serve.waitForLine(containing: " INFO  stopped")
        let lines = serve.lines
        #expect(lines.contains { $0.contains(" WARN  second signal: exiting now signal=SIGINT open_requests=1 misses_in_flight=1 effect=") }, "\(lines)")
        #expect(lines.contains { $0.contains(" WARN  not recorded ") }, "\(lines)")
        #expect(lines.last?.hasSuffix(" INFO  stopped status=130") == true, "\(lines)")
        #expect(try JSONFileStore(directory: scratch.path).count() == 0, "nothing half-done was stored")
    }
}
