import TapedeckSystem

/// The credentials every signature uses: read under a lock (cheap), and fetched again from their source before they
/// expire, as botocore's `RefreshableCredentials` does.
///
/// Rules (botocore's advisory and mandatory windows):
/// - More than 15 minutes left, or no expiry: the held credentials, nothing else.
/// - 15 to 10 minutes left (advisory): one background thread fetches new ones while every caller keeps the held,
///   still valid ones; a failed fetch keeps them and is tried again a minute later at the earliest.
/// - Under 10 minutes left (mandatory): one caller fetches while the others wait on it, then all use the new ones; if
///   the fetch fails, credentials that have not yet expired are still used, and expired ones fail the signature.
///   While the held credentials are valid, a mandatory fetch is tried at most every 10 seconds.
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
        let (held, startAdvisory) = state.withLock { state -> (TimedCredentials, Bool) in
            guard let expiration = state.held.expiration, expiration - now <= Self.advisorySeconds else { return (state.held, false) }
            guard expiration - now > Self.mandatorySeconds else { return (state.held, false) }
            guard !state.backgroundRunning, now >= state.nextAdvisoryAttempt else { return (state.held, false) }
            state.backgroundRunning = true
            return (state.held, true)
        }
        if startAdvisory {
            startBackground { [self] in
                // A failed advisory fetch changes nothing: the held credentials stay valid for ten minutes more. The
                // next attempt waits a minute either way, so a source of short-lived credentials is not asked at
                // every request.
                _ = refresh(ifExpiringBefore: Int.max)
                state.withLock { state in
                    state.backgroundRunning = false
                    state.nextAdvisoryAttempt = now + Self.retrySeconds
                }
            }
        }
        guard let expiration = held.expiration, expiration - now <= Self.mandatorySeconds else { return held.credentials }
        if expiration > now, now < state.withLock({ $0.nextMandatoryAttempt }) { return held.credentials }
        let fetched = refresh(ifExpiringBefore: now + Self.mandatorySeconds)
        // Whatever came of it, requests in the next seconds sign with what is held (while it is valid) without
        // waiting: a failing source, or one that hands out short-lived credentials, is not asked at every request.
        state.withLock { $0.nextMandatoryAttempt = now + Self.mandatoryRetrySeconds }
        switch fetched {
        case .success(let fresh):
            return fresh.credentials
        case .failure(let error):
            guard expiration > now else {
                throw CredentialError("the credentials from \(sourceName) expired and fetching new ones failed: \(error.message)")
            }
            return held.credentials
        }
    }

    /// Fetches new credentials unless another caller did so while this one waited and they expire no earlier than
    /// `deadline`; the credentials held afterwards.
    private func refresh(ifExpiringBefore deadline: Int) -> Result<TimedCredentials, CredentialError> {
        fetching.withLock { _ in
            let held = state.withLock { $0.held }
            if deadline != Int.max, let expiration = held.expiration, expiration > deadline { return .success(held) }
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
