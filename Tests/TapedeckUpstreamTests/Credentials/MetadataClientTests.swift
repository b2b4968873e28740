import Testing
import TapedeckTestSupport
@testable import TapedeckUpstream

/// Blocking calls to a credentials endpoint: method and headers as given, a bounded answer, a timeout.
@Suite struct MetadataClientTests {
    @Test func sendsTheMethodAndHeadersAndReadsStatusAndBody() throws {
        let origin = try TestOrigin { request in .response(status: 201, body: Array("\(request.method) \(request.header("X-Test") ?? "")".utf8)) }
        defer { origin.stop() }
        let answer = try MetadataClient().call("PUT", origin.url("/x"), headers: [("X-Test", "yes")], connectTimeoutMs: 1000, timeoutMs: 5000)
        #expect(answer.status == 201 && answer.body == Array("PUT yes".utf8))
        #expect(origin.requests.first?.body == [])
    }

    @Test func anAnswerTooLargeIsRefused() throws {
        let origin = try TestOrigin { _ in .ok(String(repeating: "x", count: MetadataClient.maxBytes + 1)) }
        defer { origin.stop() }
        #expect(throws: CredentialError("\(origin.url("/big")): the answer is larger than \(MetadataClient.maxBytes) bytes")) {
            try MetadataClient().call("GET", origin.url("/big?token=secret"), connectTimeoutMs: 1000, timeoutMs: 5000)
        }
    }

    @Test func aSilentEndpointTimesOut() throws {
        let origin = try TestOrigin { _ in TestOrigin.Reply.ok("late").delayed(by: 30_000) }
        defer { origin.stop() }
        do {
            _ = try MetadataClient().call("GET", origin.url("/slow"), connectTimeoutMs: 1000, timeoutMs: 200)
            Issue.record("a silent endpoint answered")
        } catch {
            #expect(error.message.hasPrefix("\(origin.url("/slow")): Timeout was reached"))
        }
    }
}
