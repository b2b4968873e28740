// swift-tools-version:6.0
import PackageDescription

// The layers, lowest first: a target depends only on targets below it, so the compiler holds the arrows
// (docs/ARCHITECTURE.md draws them; Tests/python/test_layers.py checks every import):
//   TapedeckCodec → TapedeckSystem → TapedeckHTTP → TapedeckUpstream ┐
//                                  → TapedeckBedrock → TapedeckStore ┴→ TapedeckProxy → TapedeckCommand → tapedeck
// Release builds optimise across the layers as if they were one module: the hit path crosses five of them, and
// `make profile` counted 0.5% more instructions per hit without it (Benchmarks/profile_hits.py). They also leave out
// the dynamic exclusivity checks (`make profile`: ~3,700 instructions per hit, 8%); debug builds, and so every
// `swift test` run, keep them, so an overlapping access still traps where it is tested.
let acrossLayers: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tapedeck",
    products: [
        .executable(name: "tapedeck", targets: ["tapedeck"]),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CPostgres",
            path: "Sources/CPostgres",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSHA256", path: "Sources/CSHA256"),

        // Pure codecs: JSON, RFC 8785, SHA-256/HMAC, hex, CRC32, event-stream framing. No system calls.
        .target(name: "TapedeckCodec", dependencies: ["CSHA256"], swiftSettings: acrossLayers),
        // Syscalls, threads, locks, clocks, signals, the process log.
        .target(name: "TapedeckSystem", dependencies: ["TapedeckCodec", "CLinux"], swiftSettings: acrossLayers),
        // The HTTP/1.1 server: listener, event loops, connections, the incremental parser, headers. No Bedrock.
        .target(name: "TapedeckHTTP", dependencies: ["TapedeckSystem", "TapedeckCodec", "CLinux"], swiftSettings: acrossLayers),
        // Bedrock's model: operations and routes, cache keys, content blocks, stream events, request diffs.
        .target(name: "TapedeckBedrock", dependencies: ["TapedeckSystem", "TapedeckCodec"], swiftSettings: acrossLayers),
        // Cassettes and where they are kept: the model, the CassetteStore protocol, the JSON-file, SQLite and
        // PostgreSQL stores.
        .target(
            name: "TapedeckStore", dependencies: ["TapedeckBedrock", "TapedeckSystem", "TapedeckCodec", "CSQLite", "CPostgres"],
            swiftSettings: acrossLayers
        ),
        // The client side: libcurl's multi loop, SigV4, credentials.
        .target(
            name: "TapedeckUpstream", dependencies: ["TapedeckHTTP", "TapedeckSystem", "TapedeckCodec", "CCurl"],
            swiftSettings: acrossLayers
        ),
        // The proxy: resolve → lookup → answer, modes, coalescing, replay, recording, the browser's API.
        .target(
            name: "TapedeckProxy",
            dependencies: [
                "TapedeckStore", "TapedeckUpstream", "TapedeckHTTP", "TapedeckBedrock", "TapedeckSystem", "TapedeckCodec",
                // A testable build loads the C modules that the layers below import internally.
                "CCurl",
            ],
            swiftSettings: acrossLayers
        ),
        // The command line: flags, configuration, help, every subcommand, exit codes.
        .target(
            name: "TapedeckCommand",
            dependencies: [
                "TapedeckProxy", "TapedeckStore", "TapedeckUpstream", "TapedeckHTTP", "TapedeckBedrock", "TapedeckSystem",
                "TapedeckCodec",
            ],
            swiftSettings: acrossLayers
        ),
        .executableTarget(name: "tapedeck", dependencies: ["TapedeckCommand"], swiftSettings: acrossLayers),
        // Fuzz targets: a corpus replayer in a normal build; with -DFUZZING and the fuzzer sanitizer, libFuzzer's.
        .executableTarget(
            name: "TapedeckFuzz",
            dependencies: [
                "TapedeckProxy", "TapedeckStore", "TapedeckUpstream", "TapedeckHTTP", "TapedeckBedrock", "TapedeckSystem",
                "TapedeckCodec", "CSQLite", "CCurl",
            ]
        ),

        // Fakes, fixtures and clients the test targets share (real sockets, a real origin, the built binary).
        .target(name: "TapedeckTestSupport", dependencies: ["TapedeckCommand"], path: "Tests/Support"),
        .testTarget(name: "TapedeckCodecTests", dependencies: ["TapedeckCodec", "TapedeckTestSupport"]),
        .testTarget(name: "TapedeckSystemTests", dependencies: ["TapedeckSystem", "TapedeckTestSupport"]),
        .testTarget(name: "TapedeckHTTPTests", dependencies: ["TapedeckHTTP", "TapedeckTestSupport"], exclude: ["Corpus"]),
        .testTarget(name: "TapedeckBedrockTests", dependencies: ["TapedeckBedrock", "TapedeckTestSupport"]),
        .testTarget(name: "TapedeckStoreTests", dependencies: ["TapedeckStore", "TapedeckTestSupport", "CSQLite"]),
        .testTarget(name: "TapedeckUpstreamTests", dependencies: ["TapedeckUpstream", "TapedeckTestSupport"]),
        .testTarget(name: "TapedeckProxyTests", dependencies: ["TapedeckProxy", "TapedeckTestSupport"]),
        .testTarget(name: "TapedeckCommandTests", dependencies: ["TapedeckCommand", "TapedeckTestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
