// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tapedeck",
    products: [
        .executable(name: "tapedeck", targets: ["TapedeckCLI"]),
        .library(name: "Tapedeck", targets: ["Tapedeck"]),
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
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSHA256", path: "Sources/CSHA256"),
        .target(
            name: "Tapedeck",
            dependencies: ["CCurl", "CSQLite", "CLinux", "CSHA256"]
        ),
        .executableTarget(name: "TapedeckCLI", dependencies: ["Tapedeck"]),
        // Fuzz targets: a corpus replayer in a normal build; with -DFUZZING and the fuzzer sanitizer, libFuzzer's.
        .executableTarget(name: "TapedeckFuzz", dependencies: ["Tapedeck", "CSQLite"]),
        .testTarget(name: "TapedeckTests", dependencies: ["Tapedeck"], exclude: ["Command/Golden", "Corpus/bad-requests"]),
    ],
    swiftLanguageModes: [.v6]
)
