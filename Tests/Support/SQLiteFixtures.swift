import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// Cassettes of every kind and raw-SQL helpers for the SQLite store tests.
package enum SQLiteFixtures {
    /// A Converse body with unicode and emoji, one with number spellings no Double holds, a tool use, and a
    /// stream with AWS's `p` padding.
    package static var everyKind: [Cassette] {
        [CassetteFixtures.cassette(), bigNumbers, sample(SampleInteractions.toolUse), sample(SampleInteractions.streamedHaiku)]
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

    /// The cassette recording `sample` (a Converse body, or a stream whose events arrived 15 ms apart).
    package static func sample(_ sample: SampleInteractions.Sample) -> Cassette {
        do {
            let request = try JSONParser.parse(sample.request)
            let content: RecordedContent
            if sample.events.isEmpty {
                content = .body(try JSONParser.parse(sample.response))
            } else {
                var events: [StreamEvent] = []
                for (index, event) in sample.events.enumerated() {
                    events.append(StreamEvent(type: event.type, payload: try JSONParser.parse(event.payload), offsetMs: 400 + 15 * index))
                }
                content = .events(events)
            }
            let contentType = sample.events.isEmpty ? "application/json" : "application/vnd.amazon.eventstream"
            return Cassette(
                key: try CacheKey.derive(modelId: sample.modelId, body: request), operation: sample.operation,
                modelId: sample.modelId, request: request,
                response: RecordedResponse(status: 200, contentType: contentType, content: content),
                upstreamLatencyMs: 958, recordedAt: "2026-11-25T17:04:05Z")
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
