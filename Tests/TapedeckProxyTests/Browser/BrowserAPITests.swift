import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// The cassette browser's JSON API through a real socket, on a JSON store and on a SQLite store.
@Suite struct BrowserAPITests {
    private func withBrowser(
        _ kind: StoreKind, token: String? = nil,
        _ body: (ProxyHarness, (shared: [Cassette], markup: Cassette, checkout: Cassette)) throws -> Void
    ) throws {
        let proxy = try ProxyHarness(upstream: .none, storeKind: kind, stats: BrowserFixtures.pricedStats(),
                                     configure: { $0.authToken = token })
        defer { proxy.stop() }
        let fixtures = try BrowserFixtures.fill(proxy.engineStore)
        try body(proxy, fixtures)
    }

    private func get(_ proxy: ProxyHarness, _ path: String) throws -> (RawResponse, JSONValue) {
        let response = try proxy.request("GET", path)
        return (response, try response.json)
    }

    private func keys(_ page: JSONValue) -> [String] {
        (page["cassettes"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
    }

    @Test(arguments: StoreKind.allCases)
    func theListHasEveryCassetteNewestFirstWithItsHitsAndSavings(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let (response, page) = try get(proxy, "/_tapedeck/api/cassettes")
            #expect(response.status == 200)
            let newestFirst = [fixtures.checkout, fixtures.markup] + fixtures.shared.reversed()
            #expect(keys(page) == newestFirst.map(\.key.hex))
            #expect(page["total"]?.numberLiteral == "7")
            #expect(page["more"]?.boolValue == false)
            #expect(page["namespaces"] == .array([.string(""), .string("checkout")]))
            #expect(page["models"]?.arrayValue?.count == 4)

            let rows = page["cassettes"]?.arrayValue ?? []
            let capital = rows.last
            #expect(capital?["firstUserWords"]?.stringValue == "What is the capital of France? Answer in one word.")
            #expect(capital?["recordedAt"]?.stringValue == "2025-03-01T09:00:00Z")
            #expect(capital?["namespace"]?.stringValue == "")
            #expect(capital?["hits"]?.numberLiteral == "40")
            // 40 hits of 21 in and 5 out, at Claude 3.5 Haiku's US$0.80 and US$4.00 per million.
            #expect(capital?.at("tokensSaved", "input")?.numberLiteral == "840")
            #expect(capital?.at("tokensSaved", "output")?.numberLiteral == "200")
            #expect(capital?["costSaved"]?.numberLiteral == "0.001472")
            let unpriced = rows.first { $0["model"]?.stringValue == CommandFixtures.mistral }
            #expect(unpriced?["costSaved"] == .null)
            #expect(rows.first?["namespace"]?.stringValue == "checkout")
            #expect(rows.first?["hits"]?.numberLiteral == "9")
            #expect(rows.first { $0["key"]?.stringValue == fixtures.shared[3].key.hex }?["operation"]?.stringValue == "converse-stream")
            #expect(page.at("totals", "cassettes")?.numberLiteral == "7")
            #expect(page.at("totals", "hits")?.numberLiteral == "78")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theListFiltersByModelNamespaceAndText(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let (capital, eggs, tools, stream) = (fixtures.shared[0].key.hex, fixtures.shared[1].key.hex, fixtures.shared[2].key.hex, fixtures.shared[3].key.hex)
            // A foundation model id finds its regional inference profile too, as `tapedeck ls --model` does.
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?model=anthropic.claude-3-5-haiku-20241022-v1%3A0").1)
                == [fixtures.markup.key.hex, stream, capital])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?namespace=checkout").1) == [fixtures.checkout.key.hex])
            let shared = try get(proxy, "/_tapedeck/api/cassettes?namespace=").1
            #expect(shared["total"]?.numberLiteral == "6")
            #expect(!keys(shared).contains(fixtures.checkout.key.hex))
            // Text is found in turns, tool input, answers, folded streams and other namespaces, whatever its case.
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=LISBON").1) == [tools])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=hard+yolk").1) == [eggs])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=summer%20songs").1) == [stream])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=spring10").1) == [fixtures.checkout.key.hex])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=alert(1)").1) == [fixtures.markup.key.hex])
            #expect(keys(try get(proxy, "/_tapedeck/api/cassettes?q=spring10&namespace=").1).isEmpty)
            let none = try get(proxy, "/_tapedeck/api/cassettes?q=no+such+words").1
            #expect(keys(none).isEmpty)
            #expect(none["total"]?.numberLiteral == "0")
            #expect(none["totals"] == .null)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRecordingMadeAgainIsListedAsItIsNow(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let row = { () throws -> JSONValue? in
                try self.get(proxy, "/_tapedeck/api/cassettes").1["cassettes"]?.arrayValue?
                    .first { $0["key"]?.stringValue == fixtures.markup.key.hex }
            }
            #expect(try row()?["recordedAt"]?.stringValue == "2025-03-07T08:00:00Z")
            var again = fixtures.markup
            again.recordedAt = "2025-04-01T00:00:00Z"
            try proxy.engineStore.save(again)
            #expect(try row()?["recordedAt"]?.stringValue == "2025-04-01T00:00:00Z", "the remembered summary is not reused")
            #expect(try proxy.engineStore.remove(again.key))
            #expect(try row() == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pagesAreBounded(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let all = keys(try get(proxy, "/_tapedeck/api/cassettes").1)
            let first = try get(proxy, "/_tapedeck/api/cassettes?limit=2").1
            #expect(keys(first) == Array(all.prefix(2)))
            #expect(first["more"]?.boolValue == true)
            #expect(first["total"]?.numberLiteral == "7")
            let last = try get(proxy, "/_tapedeck/api/cassettes?limit=2&offset=6").1
            #expect(keys(last) == [all[6]])
            #expect(last["more"]?.boolValue == false)
            // A search stops reading once it has the page and one more match: the total is then unknown.
            let early = try get(proxy, "/_tapedeck/api/cassettes?q=in&limit=1").1
            #expect(keys(early).count == 1)
            #expect(early["more"]?.boolValue == true)
            #expect(early["total"] == .null)
            let next = try get(proxy, "/_tapedeck/api/cassettes?q=in&limit=1&offset=1").1
            #expect(keys(next).count == 1)
            #expect(keys(next) != keys(early))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aTranscriptShowsEveryKindOfBlock(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let (response, transcript) = try get(proxy, "/_tapedeck/api/cassette?key=\(fixtures.shared[2].key.hex)")
            #expect(response.status == 200)
            #expect(transcript["model"]?.stringValue == CommandFixtures.novaProfile)
            #expect(transcript["tools"] == .array([.string("get_weather")]))
            #expect(transcript["hits"]?.numberLiteral == "5")
            #expect(transcript["usage"]?.stringValue == "1200 in, 80 out, 1024 cache read, 0 cache write")
            let messages = transcript["messages"]?.arrayValue ?? []
            #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
            let asked = messages.first?["content"]?.arrayValue ?? []
            #expect(asked.map { $0["type"]?.stringValue } == ["text", "media", "media"])
            #expect(asked[1]["src"]?.stringValue
                == "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
            #expect(asked[1]["label"]?.stringValue == "image png, 70 bytes")
            #expect(asked[2]["label"]?.stringValue == #"document pdf "itinerary", 9 bytes"#)
            #expect(asked[2]["src"] == nil, "documents are labelled chips, never data URLs")
            let call = messages[1]["content"]?.arrayValue?.last
            #expect(call?["type"]?.stringValue == "toolUse")
            #expect(call?["name"]?.stringValue == "get_weather")
            #expect(call?["input"]?.stringValue == #"{"city":"Lisbon"}"#)
            let result = messages[2]["content"]?.arrayValue ?? []
            #expect(result.first?["type"]?.stringValue == "toolResult")
            #expect(result.first?["name"]?.stringValue == "get_weather", "a result is named after the call it answers")
            #expect(result.first?["content"]?.arrayValue?.first?["json"]?.stringValue == #"{"rain":false,"tempC":21}"#)
            #expect(result.last?["label"]?.stringValue == "cache point")
            #expect(transcript.at("answer", "stopReason")?.stringValue == "end_turn")
            #expect(transcript.at("answer", "content")?.arrayValue?.first?["text"]?.stringValue == "No rain in Lisbon: 21 °C and dry.")
            #expect(transcript.at("answer", "streamEvents") == .null)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aStreamIsShownAsItsFoldedAnswer(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let transcript = try get(proxy, "/_tapedeck/api/cassette?key=\(fixtures.shared[3].key.hex)").1
            #expect(transcript["operation"]?.stringValue == "converse-stream")
            #expect(transcript.at("answer", "content")?.arrayValue?.first?["text"]?.stringValue == "Ribbon wound in dark,\nsummer songs sleep in plastic")
            #expect(transcript.at("answer", "streamEvents")?.numberLiteral == "6")
            #expect(transcript["usage"]?.stringValue == "17 in, 22 out")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aNamespacedCassetteOpensOnlyInItsNamespace(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let hex = fixtures.checkout.key.hex
            let (response, transcript) = try get(proxy, "/_tapedeck/api/cassette?key=\(hex)&namespace=checkout")
            #expect(response.status == 200)
            #expect(transcript["namespace"]?.stringValue == "checkout")
            #expect(transcript["hits"]?.numberLiteral == "9")
            let missing = try proxy.request("GET", "/_tapedeck/api/cassette?key=\(hex)")
            #expect(missing.status == 404)
            #expect(missing.headers["x-amzn-ErrorType"] == "ResourceNotFoundException")
            #expect(missing.errorMessage?.contains(hex) == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func markupInACassetteIsJSONDataThatNoBrowserSniffs(_ kind: StoreKind) throws {
        try withBrowser(kind) { proxy, fixtures in
            let (response, transcript) = try get(proxy, "/_tapedeck/api/cassette?key=\(fixtures.markup.key.hex)")
            #expect(transcript.at("answer", "content")?.arrayValue?.first?["text"]?.stringValue == BrowserFixtures.markupAnswer)
            #expect(transcript["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]?.stringValue == BrowserFixtures.markupQuestion)
            #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        }
    }

    @Test func everyBrowserAnswerCarriesItsProtectiveHeaders() throws {
        try withBrowser(.json) { proxy, fixtures in
            let routes = [
                ("/_tapedeck/", "text/html; charset=utf-8"), ("/_tapedeck", "text/html; charset=utf-8"),
                ("/_tapedeck/browser.js", "text/javascript; charset=utf-8"), ("/_tapedeck/browser.css", "text/css; charset=utf-8"),
                ("/_tapedeck/api/cassettes", "application/json; charset=utf-8"),
                ("/_tapedeck/api/cassette?key=\(fixtures.markup.key.hex)", "application/json; charset=utf-8"),
                ("/_tapedeck/api/cassette?key=nope", "application/json; charset=utf-8"),
            ]
            for (path, type) in routes {
                let response = try proxy.request("GET", path)
                #expect(response.headers["Content-Type"] == type, "\(path)")
                #expect(response.headers["Content-Security-Policy"]
                    == "default-src 'none'; script-src 'self'; style-src 'self'; img-src data: 'self'; connect-src 'self'", "\(path)")
                #expect(response.headers["X-Content-Type-Options"] == "nosniff", "\(path)")
                #expect(response.headers["Cache-Control"] == "no-store", "\(path)")
            }
            let client = try RawClient(port: proxy.port)
            try client.send("HEAD", "/_tapedeck/")
            let head = try client.readResponse(bodyless: true)
            #expect(head?.status == 200)
            #expect(head?.headers["Content-Length"] == String(BrowserAssets.page.count))
        }
    }

    @Test func thePageHasNoInlineScriptAndTheScriptNeverParsesMarkup() throws {
        try withBrowser(.json) { proxy, _ in
            let page = try proxy.request("GET", "/_tapedeck/").text
            #expect(page.contains(#"<script src="/_tapedeck/browser.js" defer></script>"#))
            #expect(page.components(separatedBy: "<script").count == 2, "one script element, and it is empty")
            #expect(!page.contains(" on"), "no inline event handlers")
            #expect(!page.contains("style="), "no inline styles (style-src 'self')")
            let script = try proxy.request("GET", "/_tapedeck/browser.js").text
            #expect(script == BrowserAssets.scriptText)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"] {
                #expect(!script.contains(sink), "\(sink)")
            }
        }
    }

    @Test func badParametersAreRefusedInBedrockShape() throws {
        try withBrowser(.json) { proxy, fixtures in
            let refused = [
                "/_tapedeck/api/cassette", "/_tapedeck/api/cassette?key=abc", "/_tapedeck/api/cassette?key=\(fixtures.markup.key.hex)&namespace=..%2Fx",
                "/_tapedeck/api/cassettes?limit=0", "/_tapedeck/api/cassettes?limit=201", "/_tapedeck/api/cassettes?offset=-1",
                "/_tapedeck/api/cassettes?offset=1e3", "/_tapedeck/api/cassettes?q=%zz", "/_tapedeck/api/cassettes?namespace=.hidden",
                "/_tapedeck/api/cassettes?q=" + String(repeating: "a", count: 201),
            ]
            for path in refused {
                let response = try proxy.request("GET", path)
                #expect(response.status == 400, "\(path)")
                #expect(response.headers["x-amzn-ErrorType"] == "ValidationException", "\(path)")
                #expect(response.errorMessage?.isEmpty == false, "\(path)")
            }
            for path in ["/_tapedeck/", "/_tapedeck/api/cassettes"] {
                let post = try proxy.request("POST", path)
                #expect(post.status == 405)
                #expect(post.headers["Allow"] == "GET, HEAD")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theTokenGuardsTheAPIButNotThePageItsScriptOrStyle(_ kind: StoreKind) throws {
        let token = "browser-token-0123456789"
        try withBrowser(kind, token: token) { proxy, fixtures in
            for path in ["/_tapedeck/", "/_tapedeck/browser.js", "/_tapedeck/browser.css"] {
                #expect(try proxy.request("GET", path).status == 200, "\(path) holds no data")
            }
            #expect(try proxy.request("POST", "/_tapedeck/").status == 403, "only GET and HEAD of the page are open")
            for path in ["/_tapedeck/api/cassettes", "/_tapedeck/api/cassette?key=\(fixtures.markup.key.hex)", "/_tapedeck/stats"] {
                let refused = try proxy.request("GET", path)
                #expect(refused.status == 403, "\(path)")
                #expect(refused.headers["x-amzn-ErrorType"] == "AccessDeniedException", "\(path)")
                #expect(!refused.text.contains("alert"), "\(path)")
                #expect(try proxy.request("GET", path, headers: [("x-tapedeck-token", "wrong-token-0123456789")]).status == 403, "\(path)")
                #expect(try proxy.request("GET", path, headers: [("x-tapedeck-token", token)]).status == 200, "\(path)")
            }
        }
    }
}
