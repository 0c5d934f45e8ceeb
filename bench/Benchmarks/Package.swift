// swift-tools-version:6.1
import PackageDescription

// Microbenchmarks of the gateway's hot-path pieces, with ordo-one/benchmark.
//
//   swift package --package-path bench/Benchmarks --scratch-path bench/Benchmarks/.build \
//       --allow-writing-to-package-directory benchmark
//
// A package of its own so the gateway's build and tests never pull in the benchmark tooling.
// The plugin runs every executable target whose folder sits in a folder named `Benchmarks`:
// this package's own folder is that one.
let package = Package(
    name: "GatewayBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "gateway", path: "../.."),
        // Traits named explicitly, so that only `MallocInterposer` is on: it counts mallocs through
        // ordo-one/malloc-interposer (no jemalloc), which resolves from the same git mirror as
        // everything else. benchmark 1.38's other default trait on Linux with Swift 6.3,
        // `RuntimeInterposer`, needs ordo-one/swift-runtime-interposer, which the offline mirror
        // does not hold; with the trait off SwiftPM drops that dependency. It only serves the ARC
        // metrics (retain/release counts), which these benchmarks do not collect; the plugin then
        // notes "skipping LD_PRELOAD of libSwiftRuntimeInterposerSwift.so (not built)".
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "GatewayBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GatewayModules", package: "gateway"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "GatewayBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The token endpoint: tokens issued per second on one core (bench/RESULTS-tokens.md).
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GatewayModules", package: "gateway"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "TokenBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
