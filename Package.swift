// swift-tools-version: 6.1
import PackageDescription

// The layers, from the bottom up (docs/architecture.md):
//   DedicatedThreads (an OS thread with a job queue, for blocking C calls; used by Kafka and SagaStore)
//   CRdKafka  -> Kafka (our librdkafka wrapper, no saga knowledge) -> KafkaTestKit (the embedded broker)
//   SagaCore  (pure state machine, definitions, message contracts; no I/O)
//   CSQLite   -> SagaStore (the SagaStore protocol, its SQLite and PostgreSQL implementations)
//   SagaRuntime (the orchestrator service: loop, relay, rebalances; joins Kafka, SagaCore, SagaStore)
//   SagaClient (publishes start commands and operator controls)
//   SagaHTTP  (the HTTP surface: health, readiness, metrics, the REST API, live events, the console)
//   SagaParticipant (the participant SDK) -> SagaExamples (example participants)
//   SagaTestKit (scoped test runs of an orchestrator and of a participant, scripted participants, a
//               progress collector, bounded waits, a PostgreSQL launcher: tests and benchmarks;
//               its waits use SagaConcurrency's Watched)
//   SagaHTTPTestKit (a scoped test run of the HTTP surface on SagaTestKit's: tests only; apart so
//               that saga-bench, which links SagaTestKit, does not link the HTTP server)
//   SagaConcurrency (Watched: a value tasks wait on without polling; used by the runtime, the participant SDK, the test kit)
//   OTLPTracing (a swift-distributed-tracing Tracer exporting spans over OTLP/HTTP; the executables bootstrap it)
//   SagaCLI   (the `saga` executable: production, operator commands, the embedded broker and the demo)
//   SagaBench (the `saga-bench` executable: benchmarks; links the test kits, `saga` does not)
let package = Package(
    name: "saga-orchestrator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "saga", targets: ["SagaCLI"]),
        .executable(name: "saga-bench", targets: ["SagaBench"]),
        .library(name: "SagaClient", targets: ["SagaClient"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "KafkaTestKit", targets: ["KafkaTestKit"]),
        .library(name: "SagaCore", targets: ["SagaCore"]),
        .library(name: "SagaStore", targets: ["SagaStore"]),
        .library(name: "SagaRuntime", targets: ["SagaRuntime"]),
        .library(name: "SagaTestKit", targets: ["SagaTestKit"]),
        .library(name: "SagaParticipant", targets: ["SagaParticipant"]),
        .library(name: "SagaExamples", targets: ["SagaExamples"]),
        .library(name: "SagaHTTP", targets: ["SagaHTTP"]),
        .library(name: "SagaHTTPTestKit", targets: ["SagaHTTPTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // /v1/ws. Brings swift-websocket and compress-nio; swift-nio-ssl, swift-nio-extras and
        // swift-nio-transport-services are in the graph already (postgres-nio, hummingbird).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Settings by key from flags, the environment and the configuration file. Only the core
        // is used (our file has a list of records and an open map of librdkafka properties, which
        // its YAML snapshot cannot hold), so no trait: neither JSON nor YAML files are compiled in.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        // Tracing: the libraries (SagaRuntime, SagaParticipant) record spans through the API only;
        // the executables bootstrap OTLPTracing, our OTLP/HTTP exporter (docs/performance.md says
        // why not swift-otel: its span pipeline cost 40 % of the sagas/s at full sampling).
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // TLS to an https collector; in the graph already (postgres-nio).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // MARK: - C modules
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // MARK: - Concurrency support (no dependencies: Kafka stays light)
        .target(name: "DedicatedThreads"),
        .target(name: "SagaConcurrency"),

        // MARK: - Kafka
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                "DedicatedThreads",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KafkaTestKit",
            dependencies: [
                "CRdKafka",
                "DedicatedThreads",
                "Kafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Saga
        .target(
            name: "SagaCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SagaStore",
            dependencies: [
                "CSQLite",
                "DedicatedThreads",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .target(
            name: "SagaRuntime",
            dependencies: [
                "Kafka",
                "SagaConcurrency",
                "SagaCore",
                "SagaStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        .target(
            name: "SagaClient",
            dependencies: [
                "Kafka",
                "SagaCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "SagaTestKit",
            dependencies: [
                "Kafka",
                "KafkaTestKit",
                "SagaClient",
                "SagaCore",
                "SagaParticipant",
                "SagaRuntime",
                "SagaStore",
                "SagaConcurrency",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // MARK: - Participants
        .target(
            name: "SagaParticipant",
            dependencies: [
                "Kafka",
                "SagaConcurrency",
                "SagaCore",
                "SagaStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "SagaExamples",
            dependencies: [
                "SagaCore",
                "SagaParticipant",
                "SagaStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Operations surface (HTTP API, health, metrics, console)
        .target(
            name: "SagaHTTP",
            dependencies: [
                "Kafka",
                "SagaCore",
                "SagaStore",
                "SagaRuntime",
                "SagaClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            resources: [.copy("Resources/console")]
        ),
        .target(
            name: "SagaHTTPTestKit",
            dependencies: [
                "KafkaTestKit",
                "SagaClient",
                "SagaCore",
                "SagaHTTP",
                "SagaRuntime",
                "SagaStore",
                "SagaTestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: - Span export
        .target(
            name: "OTLPTracing",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // MARK: - Executable
        .executableTarget(
            name: "SagaCLI",
            dependencies: [
                "Kafka",
                "KafkaTestKit",
                "SagaClient",
                "SagaCore",
                "SagaStore",
                "SagaRuntime",
                "SagaParticipant",
                "SagaExamples",
                "SagaHTTP",
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "OTLPTracing",
            ]
        ),
        .executableTarget(
            name: "SagaBench",
            dependencies: [
                "CSQLite",
                "Kafka",
                "KafkaTestKit",
                "SagaClient",
                "SagaCore",
                "SagaStore",
                "SagaRuntime",
                "SagaTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // MARK: - Tests
        .testTarget(
            name: "OTLPTracingTests",
            dependencies: [
                "OTLPTracing",
                "SagaTestKit",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DedicatedThreadsTests",
            dependencies: ["DedicatedThreads"]
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Kafka",
                "KafkaTestKit",
                // Its bounded waits only.
                "SagaTestKit",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SagaCoreTests",
            dependencies: [
                "SagaCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SagaStoreTests",
            dependencies: [
                "SagaStore",
                "SagaConcurrency",
                "SagaTestKit",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "SagaRuntimeTests",
            dependencies: [
                "SagaRuntime",
                "SagaConcurrency",
                "SagaClient",
                "SagaTestKit",
                "SagaCore",
                "SagaStore",
                "Kafka",
                "KafkaTestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "SagaParticipantTests",
            dependencies: [
                "SagaParticipant",
                "SagaConcurrency",
                "SagaExamples",
                "SagaCore",
                "SagaStore",
                "SagaRuntime",
                "SagaClient",
                "SagaTestKit",
                "Kafka",
                "KafkaTestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "SagaHTTPTests",
            dependencies: [
                "SagaHTTP",
                "SagaHTTPTestKit",
                "SagaParticipant",
                "SagaRuntime",
                "SagaClient",
                "SagaTestKit",
                "SagaCore",
                "SagaStore",
                "Kafka",
                "KafkaTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Support/console_driver.py"]
        ),
        .testTarget(
            name: "SagaCLITests",
            dependencies: [
                "SagaCLI", "SagaBench", "KafkaTestKit", "Kafka", "SagaClient", "SagaConcurrency", "SagaTestKit", "SagaCore",
                "SagaStore", "SagaRuntime", "SagaHTTP",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ]
)
