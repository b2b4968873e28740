import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// Cassettes of every kind and raw-SQL helpers for the SQLite store tests.
package enum SQLiteFixtures {
    /// A Converse body with unicode and emoji, one with number spellings no Double holds, a tool use, a stream
    /// with AWS's `p` padding; an embedding, an InvokeModel chunk stream, an answer kept as its exact text and a
    /// request and answer that are not JSON.
    package static var everyKind: [Cassette] {
        [CassetteFixtures.cassette(), bigNumbers, sample(SampleInteractions.toolUse), sample(SampleInteractions.streamedHaiku),
         sample(SampleInteractions.embedding), sample(SampleInteractions.streamedMessages), exactText, notJSON]
    }

    /// An InvokeModel answer in Bedrock's member order, kept as its exact text (`bodyText`).
    package static var exactText: Cassette {
        var cassette = sample(SampleInteractions.embedding)
        cassette.modelId = "amazon.titan-embed-text-v1"
        cassette.key = try! KeyedRequest(operation: .invokeModel, modelId: cassette.modelId, headers: cassette.requestHeaders,
                                         body: .json(cassette.request)).key()
        cassette.response.content = .document(Array(#"{"inputTextTokenCount":3,"embedding":[0.5, -1e-3]}"#.utf8))
        return cassette
    }

    /// An InvokeModel request and answer that are not JSON at all (`requestBytes`, `bodyBytes`).
    package static var notJSON: Cassette {
        var cassette = sample(SampleInteractions.embedding)
        cassette.request = .object([])
        cassette.requestBytes = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF]
        cassette.requestHeaders = [HeaderPair("content-type", "image/png"), HeaderPair("accept", "application/octet-stream")]
        cassette.key = try! cassette.keyedRequest.key()
        cassette.response.contentType = "application/octet-stream"
        cassette.response.content = .document([0, 1, 2, 0xC3, 0x28])
        return cassette
    }

    /// A Converse answer whose numbers must come back spelled exactly as recorded.
    package static var bigNumbers: Cassette {
        var cassette = CassetteFixtures.cassette("big numbers 🎉 ∑ 𝄞", answer: "numbers")
        cassette.operation = .converse
        let usage = JSONValue.object([
            JSONMember("inputTokens", .number("123456789012345678901234567890")),
            JSONMember("outputTokens", .number("-0.000000000000000000000000001")),
            JSONMember("totalTokens", .number("1E+300")),
            JSONMember("ratio", .number("0.10")),
            JSONMember("negativeZero", .number("-0")),
        ])
        cassette.response.content = .body(CassetteFixtures.responseBody("ünïcödé 日本語 👩‍👩‍👧").setting(["usage"], to: usage))
        return cassette
    }

    /// The cassette recording `sample` (a whole answer, or a stream whose events arrived 15 ms apart; an
    /// InvokeModel stream's chunks with their model event decoded beside padding).
    package static func sample(_ sample: SampleInteractions.Sample) -> Cassette {
        do {
            let request = try JSONParser.parse(sample.request)
            let content: RecordedContent
            if sample.events.isEmpty {
                content = .body(try JSONParser.parse(sample.response))
            } else {
                var events: [StreamEvent] = []
                for (index, event) in sample.events.enumerated() {
                    var payload = try JSONParser.parse(event.payload)
                    if event.type == InvokeChunk.eventType {
                        payload = .object([JSONMember("event", payload), JSONMember("p", .string("abcdefgh"))])
                    }
                    events.append(StreamEvent(type: event.type, payload: payload, offsetMs: 400 + 15 * index))
                }
                content = .events(events)
            }
            let contentType = sample.events.isEmpty ? "application/json" : "application/vnd.amazon.eventstream"
            let keyed = try sample.keyedRequest
            var cassette = Cassette(
                key: try keyed.key(), operation: sample.operation, modelId: sample.modelId, request: request,
                response: RecordedResponse(
                    status: 200, contentType: contentType, content: content,
                    headers: sample.responseHeaders.map { HeaderPair($0.name.lowercased(), $0.value) }),
                upstreamLatencyMs: 958, recordedAt: "2026-11-25T17:04:05Z")
            cassette.requestHeaders = keyed.headers
            return cassette
        } catch {
            preconditionFailure("sample \(sample.name) cannot be made a cassette: \(error)")
        }
    }

    /// A database file path inside `scratch`.
    package static func path(_ scratch: ScratchDirectory) -> String { scratch("tapes.db") }

    /// Runs raw SQL on `path` through a connection of its own (no WAL, no migrations), then closes it.
    package static func execute(_ sql: String, on path: String) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute(sql)
    }

    /// The first column of the first row `sql` returns on `path`, as text.
    package static func text(_ sql: String, on path: String) throws -> String? {
        try SQLiteDatabase(path: path).text(sql)
    }

    /// Every row `sql` returns on `path`, each column as text.
    package static func rows(_ sql: String, on path: String) throws -> [[String]] {
        let database = try SQLiteDatabase(path: path)
        let statement = try database.prepare(sql)
        var rows: [[String]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.text(at: $0) })
        }
        return rows
    }

    /// SQL quoting for a text literal.
    package static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
