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
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "GatewayBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GatewayModules", package: "gateway"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "GatewayBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
