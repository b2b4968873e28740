import Testing
import TapedeckHTTP
@testable import TapedeckProxy

/// `SiteGuard` alone: which `Host`, `Origin`, `Sec-Fetch-Site` and body types a web page's request gives away.
@Suite struct SiteGuardTests {
    private func request(_ headers: [(String, String)], method: String = "GET") -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: method, target: "/_tapedeck/api/cassettes", headers: HTTPHeaders(headers)))
    }

    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"), ("127.0.0.1:8787", "127.0.0.1"), ("LOCALHOST:8787", "localhost"), ("[::1]:8787", "[::1]"),
        ("[::1]", "[::1]"), ("attacker.example:8787", "attacker.example"),
    ])
    func aHostIsItsNameWithoutThePort(host: String, name: String) {
        #expect(SiteGuard.name(ofHost: host) == name)
    }

    @Test(arguments: [
        ("localhost", "localhost", true), ("LocalHost:8787", "localhost", true), ("localhost:", "localhost", false),
        ("localhost:123456", "localhost", false), ("localhostx", "localhost", false), ("localhost:80a", "localhost", false),
        ("[::1]:9", "[::1]", true), ("local", "localhost", false),
    ])
    func theInPlaceMatchAgreesWithTheParser(host: String, name: String, matches: Bool) {
        #expect(SiteGuard.host(host, names: name) == matches)
        #expect((SiteGuard.name(ofHost: host) == name) == matches)
    }

    @Test(arguments: ["", ":8787", "a:b", "[::1", "[::1]x", "::1", "host:123456", "host:"])
    func aMalformedHostHasNoName(host: String) {
        #expect(SiteGuard.name(ofHost: host) == nil)
    }

    @Test func theLoopbackNamesAndTheGivenOnesAreAllowed() {
        let guarded = SiteGuard.loopback(bound: "127.0.0.2", extra: ["Host.Docker.Internal", "::1"])
        #expect(guarded.allowedHosts == ["127.0.0.1", "localhost", "[::1]", "127.0.0.2", "host.docker.internal"])
        for host in ["127.0.0.1:8787", "localhost", "[::1]:9", "127.0.0.2:1", "host.docker.internal:8787"] {
            #expect(guarded.refusal(request([("Host", host)])) == nil, "\(host)")
        }
    }

    @Test func aRebindingPagesHostIsRefusedAndNamed() throws {
        let refusal = try #require(SiteGuard.loopback().refusal(request([("Host", "attacker.example:8787"), ("Origin", "http://attacker.example:8787")])))
        #expect(refusal.contains("\"attacker.example:8787\""))
        #expect(refusal.contains("--allowed-host"))
        for host in ["127.0.0.1.attacker.example", "localhost.attacker.example:80", "0.0.0.0:8787", "[::2]:8787", "8787"] {
            #expect(SiteGuard.loopback().refusal(request([("Host", host)])) != nil, "\(host)")
        }
    }

    @Test func withoutAListAnyHostIsLetIn() {
        #expect(SiteGuard(allowedHosts: nil).refusal(request([("Host", "tapedeck.internal:8787")])) == nil)
    }

    @Test func aRequestWithoutHostIsNoPagesAndGoesOn() {
        #expect(SiteGuard.loopback().refusal(request([])) == nil)
    }

    @Test(arguments: ["http://127.0.0.1:8787", "HTTP://127.0.0.1:8787", "https://127.0.0.1:8787"])
    func theServersOwnOriginGoesOn(origin: String) {
        #expect(SiteGuard.loopback().refusal(request([("Host", "127.0.0.1:8787"), ("Origin", origin)])) == nil)
    }

    @Test func aDefaultPortIsTheSameAsNone() {
        #expect(SiteGuard.isSameOrigin("http://localhost", host: "localhost:80"))
        #expect(SiteGuard.isSameOrigin("http://localhost:80", host: "localhost"))
        #expect(SiteGuard.isSameOrigin("https://localhost", host: "localhost:443"))
        #expect(!SiteGuard.isSameOrigin("https://localhost", host: "localhost:80"))
    }

    @Test func caseIsFoldedInASCIIOnly() {
        // Found by the site-guard fuzz target: Unicode lower-casing of a final sigma depends on what precedes it.
        #expect(SiteGuard.isSameOrigin("http://aΣ", host: "aΣ"))
        #expect(SiteGuard.isSameOrigin("HTTP://LOCALHOST:8787", host: "localhost:8787"))
        #expect(SiteGuard.name(ofHost: "LOCALHOST") == "localhost")
        // A combining mark after "/" or ":" is one Character with it; bytes keep them apart.
        #expect(SiteGuard.isSameOrigin("http://\u{301}x", host: "\u{301}x"))
        #expect(SiteGuard.name(ofHost: "a:\u{301}80") == nil)
    }

    @Test(arguments: [
        "http://attacker.example", "http://127.0.0.1:9999", "http://localhost:8787", "null", "file://", "chrome-extension://abc",
        "http://127.0.0.1:8787.attacker.example",
    ])
    func anotherOriginIsRefused(origin: String) throws {
        let refusal = try #require(SiteGuard.loopback().refusal(request([("Host", "127.0.0.1:8787"), ("Origin", origin)])))
        #expect(refusal.contains("web page"))
    }

    @Test func twoOriginsOrAnOriginWithoutHostAreRefused() {
        let own = "http://127.0.0.1:8787"
        #expect(SiteGuard.loopback().refusal(request([("Host", "127.0.0.1:8787"), ("Origin", own), ("Origin", own)])) != nil)
        #expect(SiteGuard(allowedHosts: nil).refusal(request([("Origin", own)])) != nil)
    }

    @Test(arguments: [("cross-site", false), ("same-site", false), ("Cross-Site", false), ("same-origin", true), ("none", true)])
    func fetchMetadataSaysWhoAsked(site: String, allowed: Bool) {
        let refusal = SiteGuard.loopback().refusal(request([("Host", "127.0.0.1:8787"), ("Sec-Fetch-Site", site)]))
        #expect((refusal == nil) == allowed)
    }

    @Test(arguments: [
        "text/plain", "text/plain;charset=UTF-8", " Text/Plain ; charset=utf-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ])
    func aBodyAPageCanPostWithoutAPreflightIsRefused(type: String) throws {
        let refusal = try #require(SiteGuard.loopback().bodyRefusal(request([("Content-Type", type)], method: "POST")))
        #expect(refusal.contains("application/json"))
    }

    @Test(arguments: [
        (nil, ""), ("", ""), ("  ", ""), ("text/plain", "text/plain"), ("\tTEXT/PLAIN ;charset=x", "text/plain"),
        ("application/json", nil), ("text/plainx", nil), ("text/plai", nil), ("application/json; x=text/plain", nil),
        ("Multipart/Form-Data", "multipart/form-data"), ("text/plain;\u{301}x", "text/plain"),
    ] as [(String?, String?)])
    func theSimpleTypeIsFoundInPlace(value: String?, type: String?) {
        #expect(SiteGuard.simpleType(value) == type)
    }

    @Test func aBodyWithoutATypeIsRefusedToo() {
        #expect(SiteGuard.loopback().bodyRefusal(request([], method: "POST")) != nil)
    }

    @Test(arguments: [
        [("Content-Type", "application/json")], [("Content-Type", "application/vnd.amazon.eventstream")],
        [("Content-Type", "text/plain"), ("Authorization", "AWS4-HMAC-SHA256 Credential=…")],
        [("Content-Type", "text/plain"), ("X-Amz-Date", "20261205T000000Z")], [("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")],
    ])
    func aBodyOnlyABedrockClientSendsGoesOn(headers: [(String, String)]) {
        #expect(SiteGuard.loopback().bodyRefusal(request(headers, method: "POST")) == nil)
    }

    @Test func aGetHasNoBodyToRefuse() {
        #expect(SiteGuard.loopback().bodyRefusal(request([("Content-Type", "text/plain")], method: "GET")) == nil)
    }

    @Test func aHostFromTheClientIsQuotedAndCut() throws {
        let long = String(repeating: "a", count: 300) + "\u{1b}[31m"
        let refusal = try #require(SiteGuard.loopback().refusal(request([("Host", long)])))
        #expect(!refusal.contains("\u{1b}"))
        #expect(refusal.count < 400)
    }
}
