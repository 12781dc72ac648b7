import Foundation
import Kafka
import KafkaTestKit
import Logging
import Prometheus
import SagaCore
import SagaHTTP
import SagaRuntime
import SagaStore
import SagaClient
import SagaTestKit
import ServiceLifecycle
import Synchronization

/// An embedded broker with the orchestrator's and the participants' topics, a fresh SQLite file,
/// an orchestrator whose metrics go to a registry of its own, and its HTTP surface on an
/// ephemeral loopback port.
struct HTTPHarness {
    let broker: EmbeddedKafkaBroker
    let topics = SagaTopics(prefix: "saga.")
    let partitions: Int32 = 2
    let participantTopics = ["participant.inventory", "participant.payment"]
    let directory: URL
    let runID: String
    let registry = PrometheusCollectorRegistry()

    init() async throws {
        runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        broker = try EmbeddedKafkaBroker()
        for topic in topics.all { try await broker.createTopic(topic, partitions: partitions) }
        for topic in participantTopics { try await broker.createTopic(topic, partitions: 2) }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-http-\(runID)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func openStore() async throws -> any SagaStore {
        try await SQLiteSagaStore(path: directory.appendingPathComponent("saga.sqlite").path, logger: quietLogger)
    }

    /// Reserve, then charge. Attempts get 30 s: no test here is about timeouts, and on a loaded
    /// machine an in-process participant can spend 10 s rejoining its group (two 10 s attempts
    /// compensated sagas that should complete).
    var orderDefinition: SagaDefinition {
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

    func orchestrator(_ store: any SagaStore, configure: (inout OrchestratorConfiguration) -> Void = { _ in }) throws -> Orchestrator {
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        // Heartbeats often, so /v1/cluster shows the partitions soon after the group settles.
        configuration.heartbeatInterval = .seconds(1)
        configuration.topics = topics
        configuration.partitions = partitions
        configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
        configuration.fetchWaitMax = .milliseconds(5)
        configuration.sessionTimeout = .seconds(6)
        configuration.groupID = "orchestrator-\(runID)"
        configure(&configuration)
        return Orchestrator(
            configuration: configuration, registry: try SagaRegistry([orderDefinition]), store: store,
            logger: quietLogger, metricsFactory: PrometheusMetricsFactory(registry: registry)
        )
    }

    func server(_ orchestrator: Orchestrator, configure: (inout SagaHTTPConfiguration) -> Void = { _ in }) -> SagaHTTPServer {
        var configuration = SagaHTTPConfiguration(api: .init(host: "127.0.0.1", port: 0))
        configure(&configuration)
        return SagaHTTPServer(configuration: configuration, orchestrator: orchestrator, registry: registry, logger: quietLogger)
    }

    func participants(topics: [String]? = nil, _ script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior) throws -> ScriptedParticipants {
        try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "participants-\(runID)"),
            producer: broker.producerConfiguration(),
            topics: topics ?? participantTopics,
            logger: quietLogger,
            script: script
        )
    }

    func progress() throws -> ProgressCollector {
        try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "progress-\(runID)"), topic: topics.progress, logger: quietLogger)
    }

    func client() throws -> SagaClient {
        try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: quietLogger)
    }

    func shutdown() async {
        await broker.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds; throws naming `what` once `timeout` passed.
func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure("timed out after \(timeout) waiting for \(what)")
}

/// What a running stack gives a test body.
struct RunningStack: Sendable {
    let orchestrator: Orchestrator
    let server: SagaHTTPServer
    let participants: ScriptedParticipants
    let progress: ProgressCollector
    let http: HTTPTestClient
    let ops: HTTPTestClient
    /// Starts the group's graceful shutdown (as SIGTERM does).
    let shutdown: @Sendable () async -> Void
}

/// Runs the orchestrator and its HTTP server in one `ServiceGroup` (as `saga orchestrator` does),
/// scripted participants and a progress collector beside them, until `body` returns; then shuts
/// the group down gracefully and checks it stopped.
func withStack<T: Sendable>(
    _ harness: HTTPHarness,
    configure: (inout SagaHTTPConfiguration) -> Void = { _ in },
    orchestrator configureOrchestrator: (inout OrchestratorConfiguration) -> Void = { _ in },
    scriptedTopics: [String]? = nil,
    script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior = { _ in .succeed() },
    _ body: @Sendable (RunningStack) async throws -> T
) async throws -> T {
    let store = try await harness.openStore()
    let orchestrator = try harness.orchestrator(store, configure: configureOrchestrator)
    let server = harness.server(orchestrator, configure: configure)
    let participants = try harness.participants(topics: scriptedTopics, script)
    let progress = try harness.progress()
    // The store first in the group, so the last stopped (as in `saga orchestrator`).
    let group = ServiceGroup(configuration: .init(
        services: [.init(service: store), .init(service: orchestrator), .init(service: server)], logger: quietLogger
    ))
    return try await run(group, orchestrator, server, participants, progress, body)
}

private func run<T: Sendable>(
    _ group: ServiceGroup, _ orchestrator: Orchestrator, _ server: SagaHTTPServer,
    _ participants: ScriptedParticipants, _ progress: ProgressCollector,
    _ body: @Sendable (RunningStack) async throws -> T
) async throws -> T {
    let stopped = Flag()
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { stopped.set() }
            try await group.run()
        }
        tasks.addTask { try await participants.run() }
        tasks.addTask { try await progress.run() }
        do {
            // The orchestrator's status wakes its waiter; the Kafka consumers' assignments and the
            // listener have no event to wait on, so the rest is polled.
            _ = await orchestrator.waitForStatus(within: .seconds(30)) { $0.joinedGroup && $0.ownedPartitions > 0 }
            try await waitUntil("the stack to be ready", timeout: .seconds(30)) {
                orchestrator.status.joinedGroup && orchestrator.status.ownedPartitions > 0
                    && participants.isReady && progress.isReady && server.boundAddresses[.api] != nil
            }
            let api = try require_(server.boundAddresses[.api], "the API listener's address")
            let opsAddress = server.boundAddresses[.ops] ?? api
            let stack = RunningStack(
                orchestrator: orchestrator, server: server, participants: participants, progress: progress,
                http: HTTPTestClient(base: "http://127.0.0.1:\(api.port)"), ops: HTTPTestClient(base: "http://127.0.0.1:\(opsAddress.port)"),
                shutdown: { await group.triggerGracefulShutdown() }
            )
            let result = try await body(stack)
            // Graceful shutdown as SIGTERM does it: the HTTP server first, then the orchestrator.
            await group.triggerGracefulShutdown()
            try await waitUntil("the service group to stop gracefully", timeout: .seconds(60)) { stopped.isSet }
            tasks.cancelAll()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

func withHarness<T>(_ body: (HTTPHarness) async throws -> T) async throws -> T {
    let harness = try await HTTPHarness()
    do {
        let result = try await body(harness)
        await harness.shutdown()
        return result
    } catch {
        await harness.shutdown()
        throw error
    }
}

func require_<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw TestFailure("missing: \(what)") }
    return value
}

/// A flag set once, read from other tasks.
final class Flag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
