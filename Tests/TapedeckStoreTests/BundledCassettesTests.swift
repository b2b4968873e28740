import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// The cassettes shipped in Cassettes/ answer the samples and the README's requests.
/// `TAPEDECK_RECORD_SAMPLES=1 swift test --filter BundledCassettesTests` re-records them through the real proxy.
@Suite(.serialized) struct BundledCassettesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Cassettes").path

    @Test func everySampleIsAHitWithItsRecordedAnswer() throws {
        if ProcessInfo.processInfo.environment["TAPEDECK_RECORD_SAMPLES"] == "1" { try recordSamples() }
        let store = JSONFileStore(directory: Self.directory)
        for sample in SampleInteractions.all {
            let key = try sample.keyedRequest.key()
            let cassette = try #require(try store.load(key), "no bundled cassette for the \(sample.name) sample")
            #expect(cassette.modelId == sample.modelId)
            #expect(cassette.operation == sample.operation)
            if !sample.operation.streams {
                let recorded = try JSONWriter.canonical(try #require(cassette.response.document))
                #expect(recorded == (try JSONWriter.canonical(try JSONParser.parse(sample.response))), "\(sample.name)")
            } else {
                let events = try #require(cassette.response.events)
                #expect(events.map(\.type) == sample.events.map(\.type))
                for (recorded, expected) in zip(events, sample.events) {
                    // A chunk keeps its model event decoded under "event" (beside the padding).
                    let payload = recorded.type == InvokeChunk.eventType ? try #require(recorded.payload["event"]) : recorded.payload
                    #expect(try JSONWriter.canonical(payload) == (try JSONWriter.canonical(try JSONParser.parse(expected.payload))))
                }
            }
        }
        #expect(try store.count() == SampleInteractions.all.count)
    }

    @Test func theReadmeCurlRequestIsABundledHit() throws {
        let readme = try String(contentsOfFile: Self.root.appendingPathComponent("README.md").path, encoding: .utf8)
        let command = try #require(readme.components(separatedBy: "curl -s").dropFirst().first, "README has no curl example")
        let url = try #require(command.range(of: #"http://127\.0\.0\.1:8787[^ '"]+"#, options: .regularExpression))
        let path = String(command[url]).replacingOccurrences(of: "http://127.0.0.1:8787", with: "")
        guard case .recorded(let route) = BedrockRoute.parse(path: path) else {
            Issue.record("README curl path \(path) is not a converse route")
            return
        }
        let start = try #require(command.range(of: "-d '"))
        let body = command[start.upperBound...].prefix { $0 != "'" }
        let key = try CacheKey.derive(modelId: route.modelId, body: try JSONParser.parse(String(body)))
        #expect(try JSONFileStore(directory: Self.directory).load(key) != nil, "README curl request is not in Cassettes/")
    }

    /// Records every sample through a real server in record mode, answered by an origin that replies with the sample.
    private func recordSamples() throws {
        let origin = try TestOrigin { request in
            let sample = SampleInteractions.all.first { sample in
                guard let sent = try? JSONParser.parse(request.body), let mine = try? JSONParser.parse(sample.request) else { return false }
                return sent == mine
            }
            guard let sample else { return .response(status: 400, body: Array("unknown sample".utf8)) }
            if sample.operation == .converseStream {
                let frames = sample.events.map { TestOrigin.Chunk(delayMs: 20, StreamFrames.event($0.type, $0.payload)) }
                return .chunked(headers: [("Content-Type", "application/vnd.amazon.eventstream")], chunks: frames)
            }
            if sample.operation == .invokeModelWithResponseStream {
                // AWS's chunk payload: the model event in base64, then padding.
                let frames = sample.events.enumerated().map { index, event in
                    let padding = String("abcdefghijklmnopqrstuvwxyz".prefix(4 + index * 3))
                    let payload = #"{"bytes":"\#(Base64.encode(Array(event.payload.utf8)))","p":"\#(padding)"}"#
                    return TestOrigin.Chunk(delayMs: 20, StreamFrames.event(event.type, payload))
                }
                return .chunked(headers: [("Content-Type", "application/vnd.amazon.eventstream"),
                                          ("X-Amzn-Bedrock-Content-Type", "application/json")], chunks: frames)
            }
            // InvokeModel's answer is sent as the model sent it; Converse's compact, as AWS sends it.
            let body = sample.operation == .invokeModel
                ? Array(sample.response.utf8) : JSONWriter.compact(try! JSONParser.parse(sample.response))
            return .response(status: 200, headers: [("Content-Type", "application/json")] + sample.responseHeaders, body: body)
        }
        defer { origin.stop() }
        let engine = ProxyEngine(
            configuration: ProxyConfiguration(mode: .record, upstream: origin.baseURL),
            store: JSONFileStore(directory: Self.directory), upstream: UpstreamClient(), log: ProcessLog(enabled: false))
        let server = HTTPServer(configuration: .init(port: 0, eventLoops: 1), handler: engine)
        try server.start()
        defer { server.shutdown() }
        let store = JSONFileStore(directory: Self.directory)
        // Only samples without a cassette are recorded, so the bundled files that exist keep their recording.
        for sample in SampleInteractions.all where try store.load(try sample.keyedRequest.key()) == nil {
            let client = try RawClient(port: server.port)
            let body = Array(sample.request.utf8)
            let path = BedrockRoute(prefix: "", modelId: sample.modelId, operation: sample.operation).path
            try client.send("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
            try client.send(body)
            let response = try #require(try client.readResponse())
            #expect(response.status == 200)
        }
    }
}
