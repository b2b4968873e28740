import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckProxy
@testable import TapedeckCommand
import TapedeckTestSupport

/// Serve's log from the real binary: JSON lines a program can parse, the same fields as the text lines a person
/// reads, `--log-level`, `--quiet`, and the settings coming from the environment and `tapedeck.json` too.
@Suite struct ServeLogTests {
    private static let model = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    private static let path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
    private static let streamPath = path + "-stream"
    private static let answer = #"{"output":{"message":{"role":"assistant","content":[{"text":"hello"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},"metrics":{"latencyMs":42}}"#

    /// An upstream answering "hello" (as a stream of three chunks to converse-stream), except 429 to a question
    /// containing "throttle".
    private static func origin() throws -> TestOrigin {
        try TestOrigin { request in
            if request.path.hasSuffix("/converse-stream") {
                return .chunked(headers: [("Content-Type", "application/vnd.amazon.eventstream")],
                                chunks: StreamFrames.text(["hel", "lo"]).map { TestOrigin.Chunk($0) })
            }
            if request.bodyText.contains("throttle") {
                return .response(status: 429, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ThrottlingException")],
                                 body: Array(#"{"message":"slow down"}"#.utf8))
            }
            return .ok(answer, headers: [("Content-Type", "application/json")])
        }
    }

    private static func body(_ question: String) -> [UInt8] {
        Array(#"{"messages":[{"role":"user","content":[{"text":"\#(question)"}]}]}"#.utf8)
    }

    /// What one serve run logged and answered.
    private struct Run: Sendable {
        var lines: [String]
        var answers: [RawResponse]
        var status: Int32
    }

    /// Starts serve with `arguments`, sends `requests` (path, question, extra headers) one by one, stops it with
    /// SIGTERM and returns its stderr lines and the answers.
    private func serve(
        _ arguments: [String], requests: [(String, String, [(String, String)])], directory: String? = nil,
        environment: [String: String] = [:], before awaited: String? = nil
    ) async throws -> Run {
        try await onOwnThread {
            let running = try TapedeckBinary.Running(["serve", "--port", "0"] + arguments, workingDirectory: directory, environment: environment)
            guard let port = running.waitForPort() else {
                running.send(SIGKILL)
                let (status, _) = running.waitForExit()
                return Run(lines: running.lines, answers: [], status: status)
            }
            // A line from another thread (the start-up indexer) is waited for, so stopping cannot race it; it may
            // have come before the listening line, among the lines already read.
            if let awaited, !running.lines.contains(where: { $0.contains(awaited) }) {
                _ = running.waitForLine { $0.contains(awaited) }
            }
            var answers: [RawResponse] = []
            for (path, question, headers) in requests {
                let client = try RawClient(port: port)
                let method = path.hasPrefix("/_tapedeck") ? "GET" : "POST"
                answers.append(try client.exchange(method, path, headers: headers, body: method == "GET" ? [] : Self.body(question)))
            }
            running.send(SIGTERM)
            _ = running.waitForLine { $0.contains("stopped") }
            let (status, _) = running.waitForExit()
            return Run(lines: running.lines, answers: answers, status: status)
        }
    }

    /// A miss recorded in a namespace, its hit, a 429 passed through and not recorded, a 501, a live stream and the
    /// stream made from the first cassette.
    private static let traffic: [(String, String, [(String, String)])] = [
        (path, "hi", [("x-tapedeck-namespace", "team-a")]), (path, "hi", [("x-tapedeck-namespace", "team-a")]),
        (path, "throttle me", []), ("/model/m/invoke-with-bidirectional-stream", "", []), (streamPath, "stream", []), (streamPath, "hi", [("x-tapedeck-namespace", "team-a")]),
    ]

    @Test func aJSONLineIsParsedForEveryEventOfARealRun() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let upstream = try Self.origin()
        defer { upstream.stop() }
        let run = try await serve(
            ["--log-format", "json", "--upstream", upstream.baseURL, "--store", "json:\(scratch.path)"], requests: Self.traffic)
        #expect(run.status == 0)
        let events = try run.lines.map { line in try #require(LogLines.json(line), "not one JSON object: \(line)") }
        #expect(events.map { $0["msg"] ?? "" } == [
            "cassette browser", "export", "listening", "request", "request", "not recorded", "request", "request", "request", "request", "shutting down", "stopped",
        ])
        for event in events {
            #expect(event["time"].map { Timestamp.parse($0) != nil } == true, "\(event)")
            #expect(event["level"].flatMap(LogLevel.init(rawValue:)) != nil, "\(event)")
        }

        let listening = events[2]
        #expect(listening["level"] == "info")
        #expect(listening["address"]?.hasPrefix("http://127.0.0.1:") == true)
        #expect(listening["mode"] == "auto")
        #expect(listening["store"] == "json:\(scratch.path)")
        #expect(listening["cassettes"] == "0")
        #expect(listening["upstream"] == upstream.baseURL)
        #expect(listening["version"] == ProxyEngine.version)
        let address = try #require(listening["address"])
        #expect(events[0]["url"] == address + "/_tapedeck/")
        #expect(events[1]["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] == address)

        let requests = events.filter { $0["msg"] == "request" }
        for (event, answer) in zip(requests, run.answers) {
            #expect(event["status"] == String(answer.status))
            #expect(event["outcome"] == (answer.headers["x-tapedeck"] ?? "error"))
            #expect(event["bytes_out"] == String(answer.body.count))
            #expect(event["latency_ms"].flatMap(Double.init) != nil)
            #expect(event["key"] == answer.headers["x-tapedeck-key"].map { String($0.prefix(12)) })
        }
        #expect(requests[0]["method"] == "POST")
        #expect(requests[0]["path"] == Self.path)
        #expect(requests[0]["model"] == Self.model)
        #expect(requests[0]["operation"] == "converse")
        #expect(requests[0]["namespace"] == "team-a")
        #expect(requests[0]["bytes_in"] == String(Self.body("hi").count))
        #expect(requests.map { $0["outcome"] ?? "" } == ["miss", "hit", "miss", "error", "miss", "hit"])
        #expect(requests.map { $0["status"] ?? "" } == ["200", "200", "429", "501", "200", "200"])
        #expect(requests.map { $0["level"] ?? "" } == ["info", "info", "info", "warn", "info", "info"])
        #expect(requests.map { $0["operation"] ?? "-" } == ["converse", "converse", "converse", "-", "converse-stream", "converse-stream"])
        #expect(run.answers[4].chunks.count >= 3 && run.answers[5].chunks.count >= 3, "both streams came in chunks")
        #expect(requests[3]["model"] == nil && requests[3]["namespace"] == nil, "no route, no namespace header")

        let notRecorded = events[5]
        #expect(notRecorded["level"] == "warn")
        #expect(notRecorded["reason"] == "upstream answered 429")
        #expect(notRecorded["key"] == requests[2]["key"])
    }

    @Test func theTextFormatHasTheSameFieldsAsJSON() async throws {
        let upstream = try Self.origin()
        defer { upstream.stop() }
        var shapes: [[String]] = []
        for format in ["text", "json"] {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let run = try await serve(
                ["--log-format", format, "--upstream", upstream.baseURL, "--store", "json:\(scratch.path)"], requests: Self.traffic)
            #expect(run.status == 0)
            let parse = format == "text" ? LogLines.text : LogLines.json
            let fields = try run.lines.map { line in try #require(parse(line), "\(format): \(line)") }
            shapes.append(fields.map { "\($0["level"] ?? "") \($0["msg"] ?? "") " + $0.keys.sorted().joined(separator: ",") }.sorted())
            if format == "text" {
                #expect(run.lines.allSatisfy { !$0.hasPrefix("{") }, "\(run.lines)")
                #expect(run.lines.contains { $0.contains(" INFO  request method=POST path=\(Self.path) model=\(Self.model) operation=converse outcome=miss status=200 key=") })
            }
        }
        #expect(shapes.count == 2 && shapes[0] == shapes[1])
    }

    @Test func quietDropsRequestLinesButKeepsWarnings() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let upstream = try Self.origin()
        defer { upstream.stop() }
        let run = try await serve(
            ["--quiet", "--log-format", "json", "--upstream", upstream.baseURL, "--store", "json:\(scratch.path)"],
            requests: Array(Self.traffic.prefix(3)))
        let messages = run.lines.compactMap { LogLines.json($0)?["msg"] }
        #expect(messages == ["cassette browser", "export", "listening", "not recorded", "shutting down", "stopped"], "\(run.lines)")
    }

    /// Start-up names the cassette browser's address and the line that points clients here, with the port bound
    /// (`--port 0` here): the browser's page answers at that address, and the text line from `export` on is the shell
    /// command to copy.
    @Test func startUpNamesTheBrowserAndTheLineToCopy() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (lines, page) = try await onOwnThread {
            let running = try TapedeckBinary.Running(["serve", "--port", "0", "--store", "json:\(scratch.path)"])
            defer {
                running.send(SIGTERM)
                _ = running.waitForExit()
            }
            guard let port = running.waitForPort() else { return (running.lines, nil as RawResponse?) }
            let browser = running.lines.first { $0.contains(" INFO  cassette browser url=") }
            guard let browser, let path = browser.split(separator: "url=http://127.0.0.1:\(port)").last else {
                return (running.lines, nil)
            }
            return (running.lines, try RawClient(port: port).exchange("GET", String(path), headers: [], body: []))
        }
        let port = try #require(lines.last.flatMap(TapedeckBinary.port(inListening:)), "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" INFO  cassette browser url=http://127.0.0.1:\(port)/_tapedeck/") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" INFO  export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:\(port)") }, "\(lines)")
        #expect(page?.status == 200)
        #expect(page?.headers["Content-Type"]?.hasPrefix("text/html") == true)
    }

    @Test func aWildcardHostIsShownAsThisMachinesAddress() {
        #expect(ServeCommand.localName("0.0.0.0") == "127.0.0.1")
        #expect(ServeCommand.localName("[::]") == "[::1]")
        #expect(ServeCommand.localName("127.0.0.1") == "127.0.0.1")
        #expect(ServeCommand.localName("localhost") == "localhost")
        #expect(ServeCommand.localName("[::1]") == "[::1]")
    }

    @Test func theLogSettingsComeFromTheEnvironmentAndTheSettingsFile() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write(Array(#"{"log-level": "debug", "store": "json:tapes"}"#.utf8), to: scratch("tapedeck.json"))
        let run = try await serve(
            [], requests: [("/_tapedeck/health", "", [])], directory: scratch.path, environment: ["TAPEDECK_LOG_FORMAT": "json"],
            before: "store indexed")
        #expect(run.status == 0)
        let events = run.lines.compactMap(LogLines.json)
        #expect(events.count == run.lines.count, "every line is JSON: \(run.lines)")
        #expect(events.contains { $0["msg"] == "settings from file" && $0["file"] == "tapedeck.json" && $0["flags"] == "store,log-level" })
        #expect(events.contains { $0["msg"] == "settings from the environment" && $0["variables"] == "TAPEDECK_LOG_FORMAT" })
        #expect(events.contains { $0["msg"] == "store indexed" && $0["level"] == "debug" && $0["cassettes"] == "0" })
        #expect(events.contains { $0["msg"] == "request" && $0["level"] == "debug" && $0["path"] == "/_tapedeck/health" && $0["outcome"] == "admin" })
    }

    @Test func anErrorLevelLogSaysOnlyWhyStartUpFailed() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write([1], to: scratch("file"))
        let result = try await onOwnThread {
            try TapedeckBinary.run(
                ["serve", "--port", "0", "--store", "json:\(scratch("file"))"],
                environment: ["TAPEDECK_LOG_LEVEL": "error", "TAPEDECK_LOG_FORMAT": "json"])
        }
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderrLines)")
        let event = try #require(LogLines.json(result.stderr.trimmingCharacters(in: .newlines)))
        #expect(event["level"] == "error")
        #expect(event["msg"] == "cannot open store")
        #expect(event["store"] == "json:\(scratch("file"))")
        #expect(event["error"] == "opendir \(scratch("file")): Not a directory")
    }
}
