import Foundation
import KafkaTestKit
import Logging
import Prometheus
import SagaClient
import SagaCore
import SagaHTTP
import SagaRuntime
import SagaStore
import SagaTestKit

/// One test's world for the HTTP surface: an ``OrchestratorTestRun`` (an embedded broker with
/// the orchestrator's topics, two partitions each, and two participants', a fresh SQLite file,
/// captured logs) whose orchestrators' metrics go to a registry of their own, served on
/// ephemeral loopback ports.
///
/// Made and torn down by ``test(_:)``; ``withStack(configure:orchestrator:scriptedTopics:script:_:)``
/// runs a whole stack in it:
///
/// ```swift
/// try await HTTPTestRun.test { run in
///     try await run.withStack { stack in
///         #expect(try await stack.http.get("/healthz").status == 200)
///     }
/// }
/// ```
public struct HTTPTestRun: Sendable {
    /// The run underneath: broker, topics, store file, logs.
    public let base: OrchestratorTestRun
    /// Where the orchestrators' metrics go, served by ``server(_:configure:)``.
    public let registry = PrometheusCollectorRegistry()

    /// Makes a run, passes it to `body`, and tears it down whatever happens; when `body` throws,
    /// what the run logged is printed.
    /// - Returns: What `body` returns.
    public static func test<T>(_ body: (HTTPTestRun) async throws -> T) async throws -> T {
        try await OrchestratorTestRun.test(partitions: 2, participants: ["inventory", "payment"]) { base in
            try await body(HTTPTestRun(base: base))
        }
    }

    /// The embedded broker.
    public var broker: EmbeddedKafkaBroker { base.broker }
    /// The orchestrator's topics (prefix `saga.`).
    public var topics: SagaTopics { base.topics }
    /// The partitions of each orchestrator topic: 2.
    public var partitions: Int32 { base.partitions }
    /// `participant.inventory` and `participant.payment`.
    public var participantTopics: [String] { base.participantTopics }
    /// A directory of its own, removed at the end.
    public var directory: URL { base.directory }
    /// A random id that keeps consumer groups and files of runs apart.
    public var runID: String { base.runID }
    /// The logger the run's parts use (captured).
    public var logger: Logger { base.logger }

    /// Opens a store on the run's file (not running yet).
    public func openStore() async throws -> any SagaStore { try await base.openStore() }

    /// Reserve, then charge. Attempts get 30 s: no test here is about timeouts, and on a loaded
    /// machine an in-process participant can spend 10 s rejoining its group (two 10 s attempts
    /// compensated sagas that should complete).
    public var orderDefinition: SagaDefinition {
        let retry = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(20), multiplier: 2, maxBackoff: .milliseconds(100), jitter: 0)
        return SagaDefinition(
            type: "order",
            version: 1,
            steps: [
                StepDefinition(name: "reserve", topic: participantTopics[0], timeout: .seconds(30), retry: retry, compensationRetry: retry),
                StepDefinition(name: "charge", topic: participantTopics[1], dependsOn: ["reserve"], timeout: .seconds(30), retry: retry, compensationRetry: retry),
            ],
            deadline: .minutes(5)
        )
    }

    /// An orchestrator on `store` running ``orderDefinition``, its metrics in ``registry``, with a
    /// heartbeat every second (so /v1/cluster shows the partitions soon after the group settles).
    public func orchestrator(_ store: any SagaStore, configure: (inout OrchestratorConfiguration) -> Void = { _ in }) throws -> Orchestrator {
        try base.orchestrator(store, [orderDefinition], metricsFactory: PrometheusMetricsFactory(registry: registry)) { configuration in
            configuration.heartbeatInterval = .seconds(1)
            configure(&configuration)
        }
    }

    /// The HTTP surface of `orchestrator` on an ephemeral loopback port.
    public func server(_ orchestrator: Orchestrator, configure: (inout SagaHTTPConfiguration) -> Void = { _ in }) -> SagaHTTPServer {
        var configuration = SagaHTTPConfiguration(api: .init(host: "127.0.0.1", port: 0))
        configure(&configuration)
        return SagaHTTPServer(configuration: configuration, orchestrator: orchestrator, registry: registry, logger: logger)
    }

    /// Scripted participants on `topics` (default: both participant topics).
    public func participants(topics: [String]? = nil, _ script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior) throws -> ScriptedParticipants {
        try base.participants(topics: topics, script)
    }

    /// A progress collector in a consumer group of its own.
    public func progress() throws -> ProgressCollector { try base.progress() }

    /// A client that publishes to the run's command topic.
    public func client() throws -> SagaClient { try base.client() }
}
