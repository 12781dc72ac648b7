import CoreMetrics
import Foundation
import InMemoryLogging
import Kafka
import KafkaTestKit
import Logging
import MetricsTestKit
import SagaClient
import SagaCore
import SagaRuntime
import SagaStore

/// One test's world for an orchestrator: an embedded broker with the orchestrator's and the
/// participants' topics, a fresh SQLite file, a logger that keeps what it is told in memory, and
/// helpers to run an orchestrator with scripted participants against them.
///
/// Made and torn down by ``test(partitions:participants:_:)``, the way HummingbirdTesting's
/// `test` scopes an application:
///
/// ```swift
/// try await OrchestratorTestRun.test { run in
///     try await run.withStore { store in
///         let orchestrator = try run.orchestrator(store, [run.orderDefinition()])
///         try await OrchestratorTestRun.withRunning(orchestrator, try run.participants { _ in .succeed() }, try run.progress()) { ... }
///     }
/// }
/// ```
public struct OrchestratorTestRun: Sendable {
    /// The embedded broker.
    public let broker: EmbeddedKafkaBroker
    /// The orchestrator's topics (prefix `saga.`).
    public let topics: SagaTopics
    /// The partitions of each orchestrator topic.
    public let partitions: Int32
    /// One command topic per participant, `participant.NAME`, two partitions each.
    public let participantTopics: [String]
    /// A directory of its own, removed at the end.
    public let directory: URL
    /// What the run's parts logged (at `SAGA_TEST_LOG`'s level, default `info`): printed when
    /// the test body throws, kept quiet otherwise.
    public let log = TestRunLog()
    /// A random id that keeps consumer groups and files of runs apart.
    public var runID: String { log.runID }
    /// The instruments of the orchestrators ``orchestrator(_:_:configure:)`` makes, to read in tests.
    public let metrics = TestMetrics()

    /// The logger the run's parts use: into ``log``.
    public var logger: Logger { log.logger }
    /// What the run's parts logged.
    public var logs: InMemoryLogHandler { log.entries }

    private init(partitions: Int32, participants: [String]) async throws {
        topics = SagaTopics(prefix: "saga.")
        self.partitions = partitions
        participantTopics = participants.map { "participant.\($0)" }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-test-\(log.runID)")
        broker = try await EmbeddedKafkaBroker.withTopics(
            topics.all.map { ($0, partitions) } + participantTopics.map { ($0, 2) }, logger: log.logger
        )
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            await broker.shutdown()
            throw error
        }
    }

    /// Makes a run, passes it to `body`, and tears it down (broker, files) whatever happens.
    /// When `body` throws, what the run logged is printed before the error goes on.
    /// - Parameters:
    ///   - partitions: The partitions of each orchestrator topic. Default 4.
    ///   - participants: The participants' names; each gets a command topic.
    /// - Returns: What `body` returns.
    public static func test<T>(
        partitions: Int32 = 4, participants: [String] = ["inventory", "payment", "shipping"],
        _ body: (OrchestratorTestRun) async throws -> T
    ) async throws -> T {
        let run = try await OrchestratorTestRun(partitions: partitions, participants: participants)
        return try await run.log.scope(run, tearDown: { await $0.tearDown() }, body)
    }

    private func tearDown() async {
        await broker.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Prints what the run logged, for a failing test.
    public func printLogs(because reason: any Error) {
        log.print(because: reason)
    }

    // MARK: - Parts

    /// The run's SQLite store file.
    public var storePath: String { directory.appendingPathComponent("saga.sqlite").path }

    /// Opens another store instance on the run's file (not running yet).
    public func openStore() async throws -> any SagaStore {
        try await SQLiteSagaStore(path: storePath, logger: logger)
    }

    /// Opens a store on the run's file and runs it while `body` runs.
    public func withStore<T>(_ body: (any SagaStore) async throws -> T) async throws -> T {
        try await openStore().withRunning { try await body($0) }
    }

    /// The orchestrator configuration for this run's broker and topics.
    public func configuration() -> OrchestratorConfiguration {
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        configuration.topics = topics
        configuration.partitions = partitions
        configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
        configuration.fetchWaitMax = .milliseconds(5)
        configuration.sessionTimeout = .seconds(6)
        configuration.groupID = "orchestrator-\(runID)"
        return configuration
    }

    /// An orchestrator on `store` that runs `definitions`, with this run's configuration.
    /// - Parameters:
    ///   - metricsFactory: Where its instruments go. Default: ``metrics``.
    ///   - configure: Adjusts the configuration.
    public func orchestrator(
        _ store: any SagaStore, _ definitions: [SagaDefinition], metricsFactory: (any MetricsFactory)? = nil,
        configure: (inout OrchestratorConfiguration) -> Void = { _ in }
    ) throws -> Orchestrator {
        var configuration = configuration()
        configure(&configuration)
        return Orchestrator(
            configuration: configuration, registry: try SagaRegistry(definitions), store: store, logger: logger,
            metricsFactory: metricsFactory ?? metrics
        )
    }

    /// Scripted participants on `topics` (default: every participant topic).
    public func participants(
        topics: [String]? = nil, _ script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior
    ) throws -> ScriptedParticipants {
        try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "participants-\(runID)"),
            producer: broker.producerConfiguration(),
            topics: topics ?? participantTopics,
            logger: logger,
            script: script
        )
    }

    /// A progress collector in a consumer group of its own.
    public func progress() throws -> ProgressCollector {
        try ProgressCollector(
            consumer: broker.consumerConfiguration(groupID: "progress-\(runID)-\(UInt32.random(in: 0...UInt32.max))"),
            topic: topics.progress, logger: logger
        )
    }

    /// A client that publishes to the run's command topic.
    public func client() throws -> SagaClient {
        try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: logger)
    }

    /// The order-fulfilment saga: reserve, then charge and ship in parallel, on the first three
    /// participant topics. The default attempt timeout is long (30 s): on a loaded machine the
    /// in-process participants have been seen to answer more than 5 s late. Tests about
    /// timeouts pass their own.
    public func orderDefinition(
        version: Int = 1,
        timeout: SagaDuration = .seconds(30),
        shipTimeout: SagaDuration? = nil,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20), multiplier: 2, maxBackoff: .milliseconds(200), jitter: 0.2),
        deadline: SagaDuration = .minutes(5)
    ) -> SagaDefinition {
        let compensation = RetryPolicy(maxAttempts: 10, initialBackoff: .milliseconds(20), multiplier: 2, maxBackoff: .milliseconds(200), jitter: 0.2)
        return SagaDefinition(
            type: "order",
            version: version,
            steps: [
                StepDefinition(name: "reserve", topic: participantTopics[0], timeout: timeout, retry: retry, compensationRetry: compensation),
                StepDefinition(name: "charge", topic: participantTopics[1], dependsOn: ["reserve"], timeout: timeout, retry: retry, compensationRetry: compensation),
                StepDefinition(name: "ship", topic: participantTopics[2], dependsOn: ["reserve"], timeout: shipTimeout ?? timeout, retry: retry, compensationRetry: compensation),
            ],
            deadline: deadline
        )
    }

    // MARK: - Running

    /// Runs the orchestrator, the participants and a progress collector while `body` runs, then
    /// stops them all. `body` starts once every consumer group has its partitions (within 60 s).
    /// - Throws: ``OrchestratorTestRunError`` naming what was not ready; what `body` throws.
    public static func withRunning<T: Sendable>(
        _ orchestrator: Orchestrator,
        _ participants: ScriptedParticipants,
        _ progress: ProgressCollector,
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withRunningTasks(
            [{ try await orchestrator.run() }, { try await participants.run() }, { try await progress.run() }],
            ready: { try await waitUntilReady(orchestrator, participants, progress, within: .seconds(60)) },
            body
        )
    }

    /// Returns once the orchestrator owns partitions and the participants and the progress
    /// collector have theirs, each woken by its own event.
    /// - Throws: ``WaitTimedOut`` naming the first that was not ready within `timeout`.
    public static func waitUntilReady(
        _ orchestrator: Orchestrator, _ participants: ScriptedParticipants, _ progress: ProgressCollector, within timeout: Duration
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        guard await orchestrator.waitForStatus(within: timeout, until: { $0.ownedPartitions > 0 }) != nil else {
            throw WaitTimedOut("the orchestrator to own partitions", bound: timeout, lastObserved: "\(orchestrator.status)")
        }
        try await participants.waitUntilReady(within: max(deadline - .now, .zero))
        try await progress.waitUntilReady(within: max(deadline - .now, .zero))
    }

    /// Reads every message of a topic from the beginning until `count` arrived or `timeout` passed.
    public func read(topic: String, count: Int, timeout: Duration) async throws -> [KafkaConsumerMessage] {
        try await broker.read(topic: topic, count: count, timeout: timeout, logger: logger)
    }
}
