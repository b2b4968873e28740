import Dispatch
import Testing
import TapedeckSystem
import TapedeckTestSupport
@testable import TapedeckUpstream

/// Credentials fetched again before they expire: botocore's advisory (15 min, in the background) and mandatory
/// (10 min, callers wait) windows, on a clock the test moves.
@Suite struct RefreshingCredentialsTests {
    /// A source handing out numbered credentials (`ASIA1`, `ASIA2`, …), each valid `lifetime` seconds from the clock.
    final class Source: Sendable {
        let clock = Mutex(1_000_000)
        let served = Mutex(0)
        let failing = Mutex(false)
        let lifetime: Int

        init(lifetime: Int) { self.lifetime = lifetime }

        func fetch() throws(CredentialError) -> TimedCredentials {
            if failing.withLock({ $0 }) { throw CredentialError("source down") }
            let number = served.withLock { value -> Int in
                value += 1
                return value
            }
            return TimedCredentials(AWSCredentials(accessKeyId: "ASIA\(number)", secretAccessKey: "s\(number)"),
                                    expiration: clock.withLock { $0 } + lifetime)
        }

        func advance(_ seconds: Int) { clock.withLock { $0 += seconds } }
    }

    private func holder(_ source: Source, background: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { $0() }) throws -> RefreshingCredentials {
        RefreshingCredentials(try source.fetch(), sourceName: "test", fetch: { () throws(CredentialError) in try source.fetch() },
                              clock: { source.clock.withLock { $0 } }, startBackground: background)
    }

    @Test func credentialsFarFromExpiryAreNotFetchedAgain() throws {
        let source = Source(lifetime: 3600)
        let credentials = try holder(source)
        source.advance(3600 - RefreshingCredentials.advisorySeconds - 1)
        #expect(try credentials.current().accessKeyId == "ASIA1")
        #expect(source.served.withLock { $0 } == 1)
    }

    @Test func insideTheMandatoryWindowTheNextSignatureUsesNewCredentials() throws {
        let source = Source(lifetime: 3600)
        let credentials = try holder(source)
        #expect(try credentials.current().accessKeyId == "ASIA1")
        source.advance(3600 - RefreshingCredentials.mandatorySeconds + 1)
        #expect(try credentials.current().accessKeyId == "ASIA2")
        #expect(try credentials.current().accessKeyId == "ASIA2", "fetched once")
        #expect(source.served.withLock { $0 } == 2)
    }

    @Test func insideTheAdvisoryWindowCallersKeepTheOldOnesWhileOneThreadFetches() throws {
        let source = Source(lifetime: 3600)
        let release = Gate()
        let done = Gate()
        let credentials = try holder(source) { work in
            OSThread.start(name: "test-refresh") {
                release.wait()
                work()
                done.open()
            }
        }
        source.advance(3600 - RefreshingCredentials.advisorySeconds + 1)
        #expect(try credentials.current().accessKeyId == "ASIA1", "the background fetch has not run yet")
        #expect(try credentials.current().accessKeyId == "ASIA1", "and a second caller starts no other")
        release.open()
        done.wait()
        #expect(try credentials.current().accessKeyId == "ASIA2")
        #expect(source.served.withLock { $0 } == 2)
    }

    @Test func aFailedFetchKeepsStillValidCredentialsAndExpiredOnesFail() throws {
        let source = Source(lifetime: 3600)
        let credentials = try holder(source)
        source.failing.withLock { $0 = true }
        source.advance(3600 - 60)
        #expect(try credentials.current().accessKeyId == "ASIA1", "a minute left: still signs")
        source.advance(120)
        #expect(throws: CredentialError("the credentials from test expired and fetching new ones failed: source down")) {
            try credentials.current()
        }
        source.failing.withLock { $0 = false }
        #expect(try credentials.current().accessKeyId == "ASIA2", "the source back: new credentials")
    }

    @Test func aSourceOfShortLivedCredentialsIsAskedAtMostEveryTenSeconds() throws {
        let source = Source(lifetime: 300)  // always inside the mandatory window
        let credentials = try holder(source)
        source.advance(1)
        #expect(try credentials.current().accessKeyId == "ASIA2")
        source.advance(RefreshingCredentials.mandatoryRetrySeconds - 1)
        #expect(try credentials.current().accessKeyId == "ASIA2", "still valid: signed with, not fetched again")
        source.advance(1)
        #expect(try credentials.current().accessKeyId == "ASIA3")
        #expect(source.served.withLock { $0 } == 3)
    }

    /// A holder whose first fetch waits at `release` after opening `entered`.
    private func blockingHolder(_ source: Source, entered: Gate, release: Gate) throws -> RefreshingCredentials {
        let first = Mutex(true)
        return RefreshingCredentials(
            try source.fetch(), sourceName: "test",
            fetch: { () throws(CredentialError) in
                if first.withLock({ value in defer { value = false }; return value }) {
                    entered.open()
                    release.wait()
                }
                return try source.fetch()
            },
            clock: { source.clock.withLock { $0 } })
    }

    @Test(.timeLimit(.minutes(1))) func whileOneCallerFetchesOthersSignWithTheStillValidCredentials() throws {
        let source = Source(lifetime: 3600)
        let entered = Gate(), release = Gate(), done = Gate()
        let credentials = try blockingHolder(source, entered: entered, release: release)
        source.advance(3600 - 60)
        let fetcher = Mutex("")
        OSThread.start(name: "fetcher") {
            let keyId = (try? credentials.current().accessKeyId) ?? "failed"
            fetcher.withLock { $0 = keyId }
            done.open()
        }
        entered.wait()
        #expect(try credentials.current().accessKeyId == "ASIA1", "a minute left: signed at once, not after the fetch")
        release.open()
        done.wait()
        #expect(fetcher.withLock { $0 } == "ASIA2")
        #expect(try credentials.current().accessKeyId == "ASIA2")
        #expect(source.served.withLock { $0 } == 2)
    }

    @Test(.timeLimit(.minutes(1))) func callersWithExpiredCredentialsWaitForOneFetch() throws {
        let source = Source(lifetime: 3600)
        let entered = Gate(), release = Gate()
        let credentials = try blockingHolder(source, entered: entered, release: release)
        source.advance(3600 + 1)
        let results = Mutex<[String]>([])
        let done = DispatchGroup()
        for index in 0..<4 {
            done.enter()
            OSThread.start(name: "signer-\(index)") {
                let keyId = (try? credentials.current().accessKeyId) ?? "failed"
                results.withLock { $0.append(keyId) }
                done.leave()
            }
            if index == 0 { entered.wait() }  // the first caller is fetching; the others arrive while it does
        }
        release.open()
        done.wait()
        #expect(results.withLock { $0 } == Array(repeating: "ASIA2", count: 4))
        #expect(source.served.withLock { $0 } == 2, "one fetch for all four")
    }

    @Test func fixedCredentialsNeverExpire() throws {
        let fixed = RefreshingCredentials(fixed: AWSCredentials(accessKeyId: "AKIDFIXED", secretAccessKey: "s"))
        #expect(try fixed.current().accessKeyId == "AKIDFIXED")
        #expect(fixed.latest.expiration == nil)
    }
}
