import TapedeckSystem
import TapedeckHTTP
import TapedeckStore
import TapedeckUpstream
import TapedeckProxy
/// The flags of `tapedeck serve`, parsed and checked.
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8787
    public var mode: ProxyMode?
    public var upstream: String?
    public var store = "json:Cassettes"
    public var ignoreFields: [String] = []
    public var maxBodyBytes = 64 * 1024 * 1024
    public var upstreamTimeoutSeconds = 300
    public var hitLatencyMs = 0
    public var hitUsage = HitUsage.recorded
    public var hitDelayMs = 0
    public var replayPace = ReplayPace.none
    public var threads = HTTPServer.Configuration().eventLoops
    public var readTimeoutSeconds = 30
    public var idleTimeoutSeconds = 75
    public var shutdownGraceSeconds = 10
    public var quiet = false
    /// How log lines are written: for a person (`text`) or one JSON object per line (`json`).
    public var logFormat = LogFormat.text
    /// The least serious log events written.
    public var logLevel = LogLevel.info
    /// Tapedeck's own upstream credentials when `--aws-sign` is given.
    public var upstreamAuth: UpstreamAuth?
    /// The namespace of requests without `x-tapedeck-namespace`; "" is the shared one.
    public var namespace = ""
    /// Whether a miss in a namespace is looked up in the shared namespace.
    public var namespaceFallback = false
    /// One recording per key, or the n-th recording for the n-th identical request.
    public var repeats = RepeatsMode.last
    /// CI replay: misses fail and unused cassettes are listed; the mode is `replay` unless `--mode auto` is given.
    public var strict = false
    /// Cassettes recorded longer ago than this are expired; nil never expires.
    public var maxAgeSeconds: Int?
    /// What an expired cassette does.
    public var onExpired = ExpiredPolicy.replay
    /// The token every request but `GET /_tapedeck/health` must carry in `x-tapedeck-token`; nil lets anyone in.
    public var authToken: String?
    /// Names besides 127.0.0.1, localhost and [::1] that a request's `Host` may give (`--allowed-host`).
    public var allowedHosts: [String] = []
    /// Where each setting came from (command line, environment, settings file).
    public var sources = ConfigSources()
    /// `TAPEDECK_*` variables in the environment that set nothing, logged as warnings at start-up.
    var unknownVariables: [ConfigEnvironment.Unknown] = []

    /// Default options.
    public init() {}

    /// Every flag `serve` accepts; the help text and the parser both come from this list.
    public static let specs: [FlagSpec] = [
        FlagSpec("host", value: "HOST", help: "address to listen on", default: "127.0.0.1"),
        FlagSpec("auth-token", value: "TOKEN", help: "every request but GET /_tapedeck/health must send x-tapedeck-token: TOKEN (16+ characters); required with a --host that is not loopback", default: "none: no token asked for"),
        FlagSpec("allowed-host", value: "NAME", help: "a name besides 127.0.0.1, localhost and [::1] that requests may give in Host (a container's host.docker.internal, this machine's name); others are refused, as a DNS-rebinding web page's are; repeatable; with a --host that is not loopback, only then is Host checked", default: "none", repeatable: true),
        FlagSpec("port", value: "PORT", help: "port to listen on; 0 picks a free one and the log says which", default: "8787"),
        FlagSpec("mode", value: "MODE", help: "auto | replay | record | passthrough", default: "replay without --upstream or with --strict, else auto"),
        FlagSpec("upstream", value: "URL", help: "URL of Bedrock (https://bedrock-runtime.us-east-1.amazonaws.com) or Bifrost that misses go to", default: "none: offline"),
        FlagSpec("store", value: "STORE", help: "where cassettes live: json:DIR (a directory of JSON files), sqlite:FILE (one SQLite database) or postgres://USER@HOST/DB (PostgreSQL, libpq's URL rules)", default: "json:Cassettes"),
        FlagSpec("ignore-field", value: "PATH", help: "dotted body path left out of the key, e.g. serviceTier; repeatable", default: "none; requestMetadata is always left out", repeatable: true),
        FlagSpec("namespace", value: "NAME", help: "namespace of requests without an x-tapedeck-namespace header: 1-128 of A-Z a-z 0-9 . _ -", default: "the shared namespace"),
        FlagSpec("namespace-fallback", value: nil, help: "a miss in a namespace is looked up in the shared namespace before it counts as a miss", default: "off"),
        FlagSpec("repeats", value: "last|sequence", help: "identical requests all get the one recording (last), or the n-th gets the n-th recording (sequence)", default: "last"),
        FlagSpec("strict", value: nil, help: "for CI: misses fail and unused cassettes are listed; implies --mode replay unless --mode auto is given (record and passthrough are refused)", default: "off"),
        FlagSpec("max-age", value: "AGE", help: "cassettes recorded longer ago than AGE (30d, 12h, 90m, 45s) are expired; see --on-expired", default: "never"),
        FlagSpec("on-expired", value: "replay|warn|rerecord", help: "an expired cassette is served as before, served with a warning, or recorded again in auto mode; needs --max-age", default: "replay"),
        FlagSpec("max-body-bytes", value: "N", help: "largest request body accepted (413 beyond)", default: "67108864"),
        FlagSpec("upstream-timeout", value: "SECONDS", help: "longest wait for one upstream call", default: "300"),
        FlagSpec("hit-latency-ms", value: "N", help: "metrics.latencyMs reported by a hit", default: "0"),
        FlagSpec("hit-usage", value: "recorded|zero", help: "token usage reported by a hit", default: "recorded"),
        FlagSpec("hit-delay-ms", value: "N", help: "wait this long before answering a hit", default: "0"),
        FlagSpec("replay-pace", value: "none|recorded|N", help: "how a replayed stream spaces its frames: at once, as recorded, or N ms apart", default: "none"),
        FlagSpec("threads", value: "N", help: "event-loop threads", default: "the CPUs this process may run on (taskset), at most 8"),
        FlagSpec("read-timeout", value: "SECONDS", help: "a request head must arrive whole within this from its first byte, a body never pause this long (408)", default: "30"),
        FlagSpec("idle-timeout", value: "SECONDS", help: "idle keep-alive connections are closed after this", default: "75"),
        FlagSpec("shutdown-grace", value: "SECONDS", help: "on SIGINT/SIGTERM, how long in-flight requests may finish (a second signal stops waiting)", default: "10"),
        FlagSpec("aws-sign", value: nil, help: "re-sign forwarded requests with SigV4, credentials found as the AWS SDKs find them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then AWS_PROFILE's role_arn, keys or credential_process in ~/.aws, then the container endpoint, then EC2 instance metadata), or send AWS_BEARER_TOKEN_BEDROCK as a Bearer key", default: "off: forward the client's headers"),
        FlagSpec("aws-region", value: "REGION", help: "region for --aws-sign", default: "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then the upstream's bedrock-runtime.REGION host"),
        FlagSpec("quiet", value: nil, help: "no log line per request; start-up, warnings and errors are still logged", default: "off"),
        FlagSpec("log-format", value: "text|json", help: "log lines on stderr for a person (time, level, message, name=value fields) or one JSON object per line with the same fields", default: "text"),
        FlagSpec("log-level", value: "debug|info|warn|error", help: "least serious events logged: debug adds health and stats requests; requests and start-up are info; answers not recorded are warn", default: "info"),
        FlagSpec("config", value: "FILE", help: "JSON settings file whose keys are these flags' names, e.g. {\"port\": 9000}; it must exist", default: "tapedeck.json in the working directory, if present"),
    ]

    /// Parses `serve`'s arguments (without the `serve` word) together with `TAPEDECK_*` variables in `environment`
    /// and the settings file (`--config FILE`, else `tapedeck.json` in `workingDirectory` if present); a flag
    /// overrides its variable, which overrides the file, which overrides the default.
    public static func parse(
        _ arguments: [String], environment: [String: String] = ProcessEnvironment.current,
        workingDirectory: String = "."
    ) throws(UsageError) -> ServeOptions {
        let sources = try ConfigSources.gather(
            arguments, environment: environment, workingDirectory: workingDirectory, specs: specs, command: "serve")
        var options = try validate(sources, environment: environment)
        options.unknownVariables = ConfigEnvironment.unknown(environment)
        return options
    }

    /// Checks the merged values; a refused value's message ends with where it came from unless it was a flag.
    static func validate(_ sources: ConfigSources, environment: [String: String]) throws(UsageError) -> ServeOptions {
        var options = ServeOptions()
        options.sources = sources
        func one(_ name: String) -> String? { sources.values[name]?.last }
        func isOn(_ name: String) -> Bool { one(name) == "true" }
        func from(_ name: String) -> String { sources.suffix(name) }
        func value<T>(_ name: String, _ convert: (String) throws(UsageError) -> T) throws(UsageError) -> T? {
            guard let text = one(name) else { return nil }
            do {
                return try convert(text)
            } catch {
                throw UsageError(error.reason + from(name))
            }
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int? {
            try value(name) { text throws(UsageError) -> Int in
                guard let number = Int(text), range.contains(number) else {
                    throw UsageError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
                }
                return number
            }
        }
        options.host = try value("host") { host throws(UsageError) -> String in
            guard !host.isEmpty else { throw UsageError("--host must not be empty") }
            return host
        } ?? options.host
        options.port = try integer("port", 0...65535) ?? options.port
        if let token = one("auth-token") {
            // The token itself is never part of a message: messages end up in logs and CI output.
            // Header values arrive without surrounding whitespace (RFC 9110 §5.5), so such a token could never match.
            guard token.first?.isWhitespace != true, token.last?.isWhitespace != true else {
                throw UsageError(
                    "--auth-token starts or ends with whitespace, which an HTTP header drops, so no request could ever match it; remove it\(from("auth-token"))")
            }
            guard token.count >= minimumTokenLength else {
                throw UsageError(
                    "--auth-token is too short (\(token.count) characters): use at least \(minimumTokenLength), e.g. from `openssl rand -hex 32`\(from("auth-token"))")
            }
            guard !token.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) else {
                throw UsageError("--auth-token must not contain control characters: it is sent in an HTTP header\(from("auth-token"))")
            }
            options.authToken = token
        } else if !isLoopback(options.host) {
            throw UsageError(
                "--host \(options.host) listens beyond this machine without --auth-token: anyone who can reach the port could spend your upstream credentials and read your cassettes; add --auth-token TOKEN (16+ characters; clients send x-tapedeck-token: TOKEN) or listen on 127.0.0.1\(from("host"))")
        }
        for name in sources.values["allowed-host"] ?? [] {
            // RFC 3986 §3.2.2: a reg-name, an IPv4 address or an IPv6 literal; the port is not part of the check.
            let bracketed = name.hasPrefix("[") && name.hasSuffix("]")
            let bare = bracketed ? String(name.dropFirst().dropLast()) : name
            let isIPv6 = bare.contains(":")
            // Brackets hold an IPv6 literal; one given without them is bracketed by SiteGuard.hostName.
            let valid = !bare.isEmpty && bare.utf8.count <= 253 && (!bracketed || isIPv6) && bare.allSatisfy { character in
                character.isASCII && (isIPv6 ? character.isHexDigit || character == ":" || character == "."
                                             : character.isLetter || character.isNumber || character == "." || character == "-" || character == "_")
            }
            guard valid else {
                throw UsageError(
                    "--allowed-host must be a host name or address without a port or scheme, e.g. host.docker.internal, not \"\(name)\"\(from("allowed-host"))")
            }
            options.allowedHosts.append(name)
        }
        options.mode = try value("mode") { text throws(UsageError) -> ProxyMode in
            guard let mode = ProxyMode(rawValue: text) else {
                throw UsageError("--mode must be one of auto, replay, record, passthrough, not \"\(text)\"")
            }
            return mode
        }
        options.upstream = try value("upstream") { url throws(UsageError) -> String in
            let scheme = url.hasPrefix("https://") ? 8 : url.hasPrefix("http://") ? 7 : 0
            // RFC 3986 §3.2: the authority runs to the next "/", "?" or "#"; RFC 9110 §4.2.1: its host must not be empty.
            let authority = url.dropFirst(scheme).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard scheme > 0, !authority.isEmpty else {
                throw UsageError("--upstream must be an http:// or https:// URL, not \"\(CurlError.redact(url))\"")
            }
            return url
        }
        if let mode = options.mode, mode != .replay, options.upstream == nil {
            throw UsageError("--mode \(mode.rawValue) needs --upstream URL\(from("mode"))")
        }
        options.strict = isOn("strict")
        if options.strict, let mode = options.mode, mode == .record || mode == .passthrough {
            throw UsageError("--strict cannot be used with --mode \(mode.rawValue): strict runs replay cassettes\(from("mode"))")
        }
        options.store = try value("store") { store throws(UsageError) -> String in
            let named = store.hasPrefix("json:") ? 5 : store.hasPrefix("sqlite:") ? 7 : PostgresURL.names(store) ? 11 : 0
            guard named > 0, store.utf8.count > named else {
                throw UsageError("--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not \"\(StoreLocation.masked(store))\"")
            }
            return store
        } ?? options.store
        for path in sources.values["ignore-field"] ?? [] {
            guard !path.isEmpty, !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw UsageError(
                    "--ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not \"\(path)\"\(from("ignore-field"))")
            }
            options.ignoreFields.append(path)
        }
        options.namespace = try value("namespace") { name throws(UsageError) -> String in
            switch Namespace.validate(name) {
            case .success(let valid): return valid
            case .failure(let error): throw UsageError("--namespace \"\(name)\" is refused: \(error)")
            }
        } ?? options.namespace
        options.namespaceFallback = isOn("namespace-fallback")
        options.repeats = try value("repeats") { text throws(UsageError) -> RepeatsMode in
            guard let repeats = RepeatsMode(rawValue: text) else { throw UsageError("--repeats must be last or sequence, not \"\(text)\"") }
            return repeats
        } ?? options.repeats
        options.maxAgeSeconds = try value("max-age") { text throws(UsageError) -> Int in
            try TimeSpan.parse(text, flag: "max-age").seconds
        }
        options.onExpired = try value("on-expired") { text throws(UsageError) -> ExpiredPolicy in
            guard let policy = ExpiredPolicy(rawValue: text) else {
                throw UsageError("--on-expired must be replay, warn or rerecord, not \"\(text)\"")
            }
            return policy
        } ?? options.onExpired
        if one("on-expired") != nil, options.maxAgeSeconds == nil {
            throw UsageError("--on-expired needs --max-age AGE: without it nothing expires\(from("on-expired"))")
        }
        options.maxBodyBytes = try integer("max-body-bytes", 1...(1 << 40)) ?? options.maxBodyBytes
        options.upstreamTimeoutSeconds = try integer("upstream-timeout", 1...86_400) ?? options.upstreamTimeoutSeconds
        options.hitLatencyMs = try integer("hit-latency-ms", 0...3_600_000) ?? options.hitLatencyMs
        options.hitUsage = try value("hit-usage") { text throws(UsageError) -> HitUsage in
            guard let usage = HitUsage(rawValue: text) else { throw UsageError("--hit-usage must be recorded or zero, not \"\(text)\"") }
            return usage
        } ?? options.hitUsage
        options.hitDelayMs = try integer("hit-delay-ms", 0...3_600_000) ?? options.hitDelayMs
        options.replayPace = try value("replay-pace") { text throws(UsageError) -> ReplayPace in
            guard let pace = ReplayPace(text) else {
                throw UsageError("--replay-pace must be none, recorded or a number of milliseconds (0 to 600000), not \"\(text)\"")
            }
            return pace
        } ?? options.replayPace
        options.threads = try integer("threads", 1...64) ?? options.threads
        options.readTimeoutSeconds = try integer("read-timeout", 1...86_400) ?? options.readTimeoutSeconds
        options.idleTimeoutSeconds = try integer("idle-timeout", 1...86_400) ?? options.idleTimeoutSeconds
        options.shutdownGraceSeconds = try integer("shutdown-grace", 0...3600) ?? options.shutdownGraceSeconds
        options.quiet = isOn("quiet")
        options.logFormat = try value("log-format") { text throws(UsageError) -> LogFormat in
            guard let format = LogFormat(rawValue: text) else { throw UsageError("--log-format must be text or json, not \"\(text)\"") }
            return format
        } ?? options.logFormat
        options.logLevel = try value("log-level") { text throws(UsageError) -> LogLevel in
            guard let level = LogLevel(rawValue: text) else {
                throw UsageError("--log-level must be one of debug, info, warn, error, not \"\(text)\"")
            }
            return level
        } ?? options.logLevel
        if isOn("aws-sign") {
            guard let upstream = options.upstream else { throw UsageError("--aws-sign needs --upstream URL\(from("aws-sign"))") }
            let found: CredentialChain.Found
            do { found = try CredentialChain(environment: environment).resolve() } catch { throw UsageError(error.message) }
            switch found {
            case .bearer(let token):
                options.upstreamAuth = .bearer(token)
            case .keys(let source):
                let region: AWSRegion?
                do {
                    region = try AWSRegion.resolve(flag: one("aws-region"), environment: environment, upstream: upstream)
                } catch {
                    throw UsageError("--aws-sign: \(error.message)")
                }
                guard let region else {
                    throw UsageError("--aws-sign needs a region: --aws-region REGION, AWS_REGION, the profile's region, "
                                     + "or an upstream named bedrock-runtime.REGION.amazonaws.com")
                }
                options.upstreamAuth = .sigV4(SigV4Signer(source: source, region: region.name))
            }
        } else if one("aws-region") != nil {
            throw UsageError("--aws-region is used only with --aws-sign\(from("aws-region"))")
        }
        return options
    }

    /// The fewest characters `--auth-token` accepts.
    public static let minimumTokenLength = 16

    /// Whether `host` is a loopback address: `localhost`, `::1` or anything in 127.0.0.0/8.
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && Int(part).map { $0 <= 255 } == true
        }
    }

    /// The proxy settings these options describe.
    public var proxyConfiguration: ProxyConfiguration {
        var configuration = ProxyConfiguration(
            mode: mode, upstream: upstream, ignoreFields: ignoreFields, upstreamTimeoutSeconds: upstreamTimeoutSeconds,
            hitLatencyMs: hitLatencyMs, hitUsage: hitUsage, hitDelayMs: hitDelayMs, replayPace: replayPace,
            upstreamAuth: upstreamAuth)
        if strict && mode == nil { configuration.mode = .replay }
        configuration.namespace = namespace
        configuration.namespaceFallback = namespaceFallback
        configuration.repeats = repeats
        configuration.strict = strict
        configuration.maxAgeSeconds = maxAgeSeconds
        configuration.onExpired = onExpired
        configuration.authToken = authToken
        configuration.siteGuard = siteGuard
        return configuration
    }

    /// Which `Host` names requests may give: on a loopback address 127.0.0.1, localhost, [::1], the address itself
    /// and `--allowed-host`; on another address (where `--auth-token` is the guard) only when `--allowed-host` is
    /// given, and then those and the address.
    var siteGuard: SiteGuard {
        let wildcard = ["0.0.0.0", "::", "[::]"].contains(host)
        if Self.isLoopback(host) || !allowedHosts.isEmpty {
            return .loopback(bound: wildcard ? nil : host, extra: allowedHosts)
        }
        return SiteGuard(allowedHosts: nil)
    }

    /// The HTTP server settings these options describe.
    public var serverConfiguration: HTTPServer.Configuration {
        HTTPServer.Configuration(
            host: host, port: port, eventLoops: threads,
            limits: RequestParser.Limits(maxBodyBytes: maxBodyBytes),
            readTimeoutMs: readTimeoutSeconds * 1000, idleTimeoutMs: idleTimeoutSeconds * 1000,
            errorResponse: BedrockError.forHTTPError)
    }
}
