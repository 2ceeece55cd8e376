// swift-tools-version: 6.1
import PackageDescription

// Layers point one way: C modules → thin Swift wrappers → pure domain → executables.
let package = Package(
    name: "apim-openai-chargeback",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chargeback", targets: ["chargeback"]),
        .executable(name: "functions-host", targets: ["functions-host"]),
        .executable(name: "local-gateway", targets: ["local-gateway"]),
    ],
    dependencies: [
        // No default traits: ConfigurationSupport (swift-configuration) and FullFoundation would link
        // all of Foundation, ICU's 30 MB of data included, into the handler, for nothing it uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C: system libraries from Debian packages.
        .systemLibrary(
            name: "CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),
        // libcurl is loaded with dlopen on first use, not linked (Sources/CCurl): its header is
        // from libcurl4-openssl-dev, its library libcurl.so.4 (bundled in lib/ by scripts/package.sh).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // OpenSSL's libcrypto (SHA-256 of keys, HMAC of alert signatures): the system's, instead of a
        // second BoringSSL compiled from source beside swift-nio-ssl's.
        .systemLibrary(
            name: "CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        // OpenSSL's libssl: TLS for Redis (RedisClient's TLSClientHandler), instead of swift-nio-ssl,
        // whose BoringSSL compiled from source was a third of the release build (README, Performance).
        .systemLibrary(
            name: "CTLS", pkgConfig: "libssl",
            providers: [.apt(["libssl-dev"])]),

        // Thin Swift wrappers: know Redis, HTTP, digests or event loops, nothing of chargeback.
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis", "CTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(name: "Digest", dependencies: ["CLibCrypto"]),
        .target(
            name: "EventLoopExecutor",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .target(name: "CSpawn"),
        .target(name: "CMemory"),
        .target(name: "ChildProcess", dependencies: ["CSpawn"]),
        .target(
            name: "CurlClient",
            dependencies: [
                "CCurl",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),

        // Pure: no I/O.
        .target(
            name: "AzureIdentity",
            dependencies: ["CurlClient", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .target(name: "CivilCalendar"),
        // The one JSON writer (reports, protocol answers, log lines, the synthetic upstream).
        .target(name: "JSONOutput"),
        // Log lines as JSON objects (Application Insights reads them): the handler's and the local host's.
        .target(
            name: "JSONLog",
            dependencies: [
                "CivilCalendar", "JSONOutput",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(name: "FunctionsProtocol", dependencies: ["CivilCalendar", "JSONOutput"]),
        .target(name: "ChargebackCore", dependencies: ["CivilCalendar", "JSONOutput"]),
        // Use cases (rollup, reports) over the domain's ports (CounterSource, SnapshotRepository): no I/O of their own.
        .target(
            name: "ChargebackUseCases",
            dependencies: ["ChargebackCore", "CivilCalendar", .product(name: "Logging", package: "swift-log")]),

        // Adapters: the domain's seams implemented with the wrappers.
        .target(
            name: "ChargebackRedis",
            dependencies: [
                "ChargebackCore", "RedisClient",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),

        // The durable spool: events a store could not take now, kept on disk and replayed.
        .target(
            name: "ChargebackSpool",
            dependencies: [
                "ChargebackCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The record archive: snapshot revisions and exports that outlive Redis (a folder, or Blob Storage over libcurl).
        .target(
            name: "ChargebackRecords",
            dependencies: ["ChargebackCore", "CivilCalendar", "CurlClient", .product(name: "NIOPosix", package: "swift-nio")]),

        // The ports in memory: what the use-case tests run on instead of Redis.
        .target(name: "ChargebackMemory", dependencies: ["ChargebackCore", "CivilCalendar"]),

        // The handler's application (routes, functions, composition root).
        .target(
            name: "ChargebackApp",
            dependencies: [
                "AzureIdentity",
                "CurlClient", "Digest",
                "ChargebackCore", "ChargebackRecords", "ChargebackRedis", "ChargebackSpool", "ChargebackUseCases", "FunctionsProtocol", "JSONOutput",
                "RedisClient", "CivilCalendar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "chargeback",
            dependencies: [
                "ChargebackApp", "ChargebackCore", "ChargebackRecords", "ChargebackRedis", "ChargebackSpool", "ChargebackUseCases", "CMemory", "CurlClient",
                "Digest", "EventLoopExecutor", "JSONLog", "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // HTTP/1.1 over plain TCP for the local stand-ins and the load generator (not the handler).
        .target(
            name: "PlainHTTPClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),

        // The local Functions host.
        .target(
            name: "FunctionsHostKit",
            dependencies: [
                "FunctionsProtocol", "ChildProcess",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "PlainHTTPClient",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "functions-host",
            dependencies: [
                "FunctionsHostKit", "EventLoopExecutor", "JSONLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Local development only: the APIM twin, a synthetic OpenAI upstream, a day of traffic (scripts/run).
        .target(name: "ApimTwin", dependencies: ["ChargebackCore", "CivilCalendar", "JSONOutput"]),
        // Optimised even in debug builds: the demo's upstream answers thousands of requests a minute.
        .target(name: "SyntheticOpenAI", dependencies: ["JSONOutput"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(
            name: "LocalGateway",
            dependencies: [
                "ApimTwin", "ChargebackCore", "SyntheticOpenAI", "CurlClient", "CivilCalendar", "PlainHTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "local-gateway",
            dependencies: [
                "LocalGateway", "ApimTwin", "CivilCalendar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Benchmarks (scripts/bench builds them in release).
        .executableTarget(name: "extraction-bench", dependencies: ["ChargebackCore"]),
        .executableTarget(
            name: "ingest-load",
            dependencies: [
                "PlainHTTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "money-bench",
            dependencies: [
                "ChargebackApp", "ChargebackCore", "ChargebackRedis", "ChargebackUseCases", "CivilCalendar", "RedisClient",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Shared by the test targets: fixtures (copied from shared/reference) and helpers.
        .target(
            name: "TestSupport",
            dependencies: [
                "FunctionsProtocol", "ChildProcess", "ChargebackCore", "ChargebackMemory", "ChargebackUseCases", "CivilCalendar",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "FunctionsProtocolTests",
            dependencies: ["FunctionsProtocol", "TestSupport"]),
        .testTarget(
            name: "ChargebackCoreTests",
            dependencies: ["ChargebackCore", "CivilCalendar", "FunctionsProtocol", "TestSupport"]),
        .testTarget(
            name: "ChargebackRedisTests",
            dependencies: ["ChargebackRedis", "ChargebackCore", "ChargebackMemory", "ChargebackRecords", "ChargebackSpool", "ChargebackUseCases", "ChildProcess",
                           "CivilCalendar", "RedisClient",
                           "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "ChargebackUseCasesTests",
            dependencies: ["ChargebackUseCases", "ChargebackMemory", "ChargebackCore", "ChargebackRecords", "CivilCalendar", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "RedisClientTests",
            dependencies: ["RedisClient", "TestSupport"]),
        .testTarget(
            name: "ChargebackAppTests",
            dependencies: [
                "AzureIdentity",
                "ChargebackApp", "ChargebackCore", "ChargebackRecords", "ChargebackRedis", "ChargebackUseCases", "CivilCalendar", "CurlClient", "Digest",
                "FunctionsProtocol", "JSONLog",
                "RedisClient", "TestSupport",
                "PlainHTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(
            name: "PlainHTTPClientTests",
            dependencies: [
                "PlainHTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "ApimTwinTests",
            dependencies: ["ApimTwin", "ChargebackCore", "TestSupport"]),
        .testTarget(
            name: "SyntheticOpenAITests",
            dependencies: ["SyntheticOpenAI", "ChargebackCore"]),
        .testTarget(
            name: "FunctionsHostTests",
            dependencies: ["FunctionsHostKit", "FunctionsProtocol", "ChildProcess", "CurlClient", "TestSupport"]),
    ]
)
