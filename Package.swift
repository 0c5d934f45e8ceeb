// swift-tools-version:6.1
import PackageDescription

/// Stricter modules, smaller public surfaces (as vapor/jwt-kit does).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Tests import what they use; only the existential spelling is enforced there.
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]

let package = Package(
    name: "gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
        // The modules as libraries, for the benchmark package in bench/ (and embedders).
        .library(
            name: "GatewayModules",
            targets: [
                "GatewayValues", "GatewayRules", "GatewayRouting", "GatewayCredentials", "GatewayReplay",
                "GatewayPolicy", "GatewayTokens", "GatewayAudit", "GatewayMetrics", "GatewayHTTP1", "GatewayProxy", "GatewayApp",
                "GatewayLimits", "GatewayRedis",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        // Tests only: child processes (the gateway, redis-server, python3) without Foundation's Process.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // Values: small value types the request path shares across modules (copy on write);
        // standard library only.
        .target(name: "GatewayValues", swiftSettings: strictSettings),
        // Rules: the rules-file model, its parsing and validation. Imports no networking.
        .target(
            name: "GatewayRules",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strictSettings
        ),
        // Routing: path normalisation and route choice; pure, generic over what a route carries.
        .target(name: "GatewayRouting", swiftSettings: strictSettings),
        // Credentials: JWT verification and signing, key loading, API keys, the token cache; pure, no I/O
        // on the request path.
        .target(
            name: "GatewayCredentials",
            dependencies: [
                "GatewayRules", "GatewayValues",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "StructuredFieldValues", package: "swift-http-structured-headers"),
            ],
            swiftSettings: strictSettings
        ),
        // Replay: the nonce store behind a small protocol (memory now, Redis later); pure, no sockets.
        .target(
            name: "GatewayReplay",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        // HTTP1: the strict HTTP/1.1 codec (request and response decoders, head writer, chunked
        // encoder) over ByteBuffers; no channels.
        .target(
            name: "GatewayHTTP1",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        // Limits: rate limits — the GCRA calculation, the `RateLimiter` protocol and the memory
        // limiter; pure, no sockets.
        .target(
            name: "GatewayLimits",
            dependencies: ["GatewayRules", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        // Redis: a small RESP2 client (per-event-loop pipelined connections) and the shared
        // replay store and rate limiter on it.
        .target(
            name: "GatewayRedis",
            dependencies: nio + [
                "GatewayRules", "GatewayReplay", "GatewayLimits", "GatewayMetrics",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // RedisTesting: a redis-server of the tests' own on a free loopback port; for tests only.
        .target(name: "GatewayRedisTesting", dependencies: ["GatewayTestSupport"], swiftSettings: strictSettings),
        // TestSupport: a certificate authority made at test time, scratch directories removed when the
        // test process exits, a seeded generator (SplitMix64), and child processes run without
        // Foundation's Process; for tests only.
        .target(
            name: "GatewayTestSupport",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),
        // Policy: the pure decision for one request head; no I/O.
        .target(
            name: "GatewayPolicy",
            dependencies: [
                "GatewayRules", "GatewayRouting", "GatewayCredentials", "GatewayReplay", "GatewayValues",
                "GatewayHTTP1", .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Tokens: the token endpoint (RFC 6749 §4.4) and revocation (RFC 7009); pure, no I/O on the
        // request path.
        .target(
            name: "GatewayTokens",
            dependencies: ["GatewayRules", "GatewayCredentials", "GatewayPolicy", "GatewayReplay"],
            swiftSettings: strictSettings
        ),
        // Audit: records, canonical JSON, the hash chain and the off-loop writer.
        .target(
            name: "GatewayAudit",
            dependencies: [
                "GatewayValues",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Metrics: the Prometheus series of SPEC §6 and their per-event-loop caches.
        .target(
            name: "GatewayMetrics",
            dependencies: [.product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSettings
        ),
        // Admin: the /healthz, /readyz and /metrics listener.
        .target(
            name: "GatewayAdmin",
            dependencies: nio + [
                "GatewayMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Proxy: SwiftNIO channel handlers, listeners and per-event-loop upstream pools.
        .target(
            name: "GatewayProxy",
            dependencies: nio + [
                "GatewayRules", "GatewayRouting", "GatewayPolicy", "GatewayAudit", "GatewayMetrics",
                "GatewayCredentials", "GatewayReplay", "GatewayHTTP1", "GatewayLimits", "GatewayTokens",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // App: wires rules, proxy, audit and admin into services; the CLI commands' logic.
        .target(
            name: "GatewayApp",
            dependencies: [
                "GatewayRules", "GatewayRouting", "GatewayPolicy", "GatewayAudit", "GatewayProxy", "GatewayAdmin",
                "GatewayMetrics", "GatewayCredentials", "GatewayReplay", "GatewayLimits", "GatewayRedis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ] + nio,
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gateway",
            dependencies: [
                "GatewayApp", "GatewayRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "GatewayValuesTests", dependencies: ["GatewayValues"], swiftSettings: testSettings),
        .testTarget(name: "GatewayRulesTests", dependencies: ["GatewayRules", "GatewayTestSupport"], swiftSettings: testSettings),
        .testTarget(name: "GatewayRoutingTests", dependencies: ["GatewayRouting"], swiftSettings: testSettings),
        .testTarget(name: "GatewayAuditTests", dependencies: ["GatewayAudit", "GatewayTestSupport"], swiftSettings: testSettings),
        .testTarget(
            name: "GatewayCredentialsTests",
            dependencies: [
                "GatewayCredentials", "GatewayRules", "GatewayTestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayReplayTests",
            dependencies: [
                "GatewayReplay", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayHTTP1Tests",
            dependencies: [
                "GatewayHTTP1", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayLimitsTests",
            dependencies: [
                "GatewayLimits", "GatewayRules", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayRedisTests",
            dependencies: [
                "GatewayRedis", "GatewayRedisTesting", "GatewayTestSupport", "GatewayReplay", "GatewayLimits", "GatewayMetrics", "GatewayRules",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ] + nio,
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayMetricsTests",
            dependencies: ["GatewayMetrics", "GatewayTestSupport", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayPolicyTests",
            dependencies: [
                "GatewayPolicy", "GatewayRules", "GatewayRouting", "GatewayCredentials", "GatewayReplay", "GatewayTestSupport",
                "GatewayHTTP1", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayTokensTests",
            dependencies: [
                "GatewayTokens", "GatewayPolicy", "GatewayRules", "GatewayCredentials", "GatewayReplay", "GatewayTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayProxyTests",
            dependencies: [
                "GatewayProxy", "GatewayHTTP1", "GatewayPolicy", "GatewayRules", "GatewayAudit", "GatewayMetrics",
                "GatewayCredentials", "GatewayReplay", "GatewayTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "GatewayIntegrationTests",
            dependencies: [
                "GatewayApp", "GatewayProxy", "GatewayRules", "GatewayPolicy", "GatewayAudit", "GatewayMetrics",
                "GatewayAdmin", "GatewayCredentials", "GatewayRedisTesting", "GatewayTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + nio,
            swiftSettings: testSettings
        ),
        .testTarget(name: "GatewayTestSupportTests", dependencies: ["GatewayTestSupport"], swiftSettings: testSettings),
    ],
    swiftLanguageModes: [.v6]
)
