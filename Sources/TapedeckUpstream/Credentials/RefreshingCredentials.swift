import TapedeckSystem

/// The credentials every signature uses: read under a lock (cheap), and fetched again from their source before they
/// expire, as botocore's `RefreshableCredentials` does.
///
/// Rules (botocore's advisory and mandatory windows):
/// - More than 15 minutes left, or no expiry: the held credentials, nothing else.
/// - 15 to 10 minutes left (advisory): one background thread fetches new ones while every caller keeps the held,
///   still valid ones; a failed fetch keeps them and is tried again a minute later at the earliest.
/// - Under 10 minutes left (mandatory): the caller fetches, and signs with the new ones. Meanwhile, and for 10 seconds
///   after each fetch, other callers sign with the held credentials while they are still valid; once they have
///   expired, callers wait for the one fetch in progress. If a fetch fails, credentials that have not yet expired
///   are still used, and expired ones fail the signature.
public final class RefreshingCredentials: Sendable {
    /// Seconds before expiry from which a background refresh starts.
    public static let advisorySeconds = 15 * 60
    /// Seconds before expiry from which callers wait for a refresh.
    public static let mandatorySeconds = 10 * 60
    /// Seconds between failed background attempts.
    static let retrySeconds = 60
    /// Seconds during which requests sign with still-valid credentials after a mandatory fetch.
    static let mandatoryRetrySeconds = 10

    private struct State {
        var held: TimedCredentials
        var backgroundRunning = false
        var nextAdvisoryAttempt = 0
        var nextMandatoryAttempt = 0
    }

    /// How the start-up log names the source, e.g. `profile dev (credential_process)`.
    public let sourceName: String
    private let fetch: @Sendable () throws(CredentialError) -> TimedCredentials
    private let clock: @Sendable () -> Int
    private let startBackground: @Sendable (@escaping @Sendable () -> Void) -> Void
    private let state: Mutex<State>
    /// Held by whoever is fetching, so one fetch runs at a time.
    private let fetching = Mutex(())

    /// Credentials `initial` from `sourceName`, fetched again with `fetch`; `clock` gives seconds since the epoch and
    /// `startBackground` runs an advisory refresh off the caller's thread (both replaceable in tests).
    public init(
        _ initial: TimedCredentials,
        sourceName: String,
        fetch: @escaping @Sendable () throws(CredentialError) -> TimedCredentials,
        clock: @escaping @Sendable () -> Int = Timestamp.nowSeconds,
        startBackground: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { OSThread.start(name: "credentials", $0) }
    ) {
        self.sourceName = sourceName
        self.fetch = fetch
        self.clock = clock
        self.startBackground = startBackground
        state = Mutex(State(held: initial))
    }

    /// Long-term credentials that never need fetching again.
    public convenience init(fixed credentials: AWSCredentials, sourceName: String = "fixed credentials") {
        self.init(TimedCredentials(credentials), sourceName: sourceName, fetch: { TimedCredentials(credentials) })
    }

    /// The credentials held now, without refreshing: what the start-up log describes.
    public var latest: TimedCredentials { state.withLock { $0.held } }

    /// Credentials to sign with now, refreshed first when they are about to expire.
    public func current() throws(CredentialError) -> AWSCredentials {
        let now = clock()
        let (held, startAdvisory, mustFetch) = state.withLock { state -> (TimedCredentials, Bool, Bool) in
            guard let expiration = state.held.expiration, expiration - now <= Self.advisorySeconds else { return (state.held, false, false) }
            guard expiration - now > Self.mandatorySeconds else {
                return (state.held, false, expiration <= now || now >= state.nextMandatoryAttempt)
            }
            guard !state.backgroundRunning, now >= state.nextAdvisoryAttempt else { return (state.held, false, false) }
            state.backgroundRunning = true
            return (state.held, true, false)
        }
        if startAdvisory {
            startBackground { [self] in
                // A failed advisory fetch changes nothing: the held credentials stay valid for ten minutes more. The
                // next attempt waits a minute either way, so a source of short-lived credentials is not asked at
                // every request.
                _ = refresh(mandatoryAt: nil)
                state.withLock { state in
                    state.backgroundRunning = false
                    state.nextAdvisoryAttempt = now + Self.retrySeconds
                }
            }
        }
        guard mustFetch, let expiration = held.expiration else { return held.credentials }
        switch refresh(mandatoryAt: now) {
        case .success(let fresh):
            return fresh.credentials
        case .failure(let error):
            guard expiration > now else {
                throw CredentialError("the credentials from \(sourceName) expired and fetching new ones failed: \(error.message)")
            }
            return held.credentials
        }
    }

    /// Fetches new credentials, one caller at a time. A mandatory refresh at `now` fetches only if no caller did so
    /// while this one waited: not when the held credentials now expire after the mandatory window, nor when they are
    /// valid and were fetched less than 10 seconds ago (a failing source, or one that hands out short-lived
    /// credentials, is then not asked at every request). The credentials held afterwards, or why the fetch failed.
    private func refresh(mandatoryAt now: Int?) -> Result<TimedCredentials, CredentialError> {
        fetching.withLock { _ in
            let (held, nextMandatoryAttempt) = state.withLock { ($0.held, $0.nextMandatoryAttempt) }
            if let now, let expiration = held.expiration {
                if expiration - now > Self.mandatorySeconds { return .success(held) }
                if expiration > now, now < nextMandatoryAttempt { return .success(held) }
            }
            if let now { state.withLock { $0.nextMandatoryAttempt = now + Self.mandatoryRetrySeconds } }
            do throws(CredentialError) {
                let fresh = try fetch()
                state.withLock { $0.held = fresh }
                return .success(fresh)
            } catch {
                return .failure(error)
            }
        }
    }
}
