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
    /// A random id that keeps consumer groups and files of runs apart.
    public let runID: String
    /// The instruments of the orchestrators ``orchestrator(_:_:configure:)`` makes, to read in tests.
    public let metrics = TestMetrics()
    /// What the run's parts logged (at `SAGA_TEST_LOG`'s level, default `info`): printed when
    /// the test body throws, kept quiet otherwise.
    public let logs = InMemoryLogHandler()

    /// The logger the run's parts use: into ``logs``.
    public var logger: Logger {
        var logger = Logger(label: "test") { _ in logs }
        logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    private init(partitions: Int32, participants: [String]) async throws {
        runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        broker = try EmbeddedKafkaBroker()
        topics = SagaTopics(prefix: "saga.")
        self.partitions = partitions
        participantTopics = participants.map { "participant.\($0)" }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-test-\(runID)")
        do {
            for topic in topics.all { try await broker.createTopic(topic, partitions: partitions) }
            for topic in participantTopics { try await broker.createTopic(topic, partitions: 2) }
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
        do {
            let result = try await body(run)
            await run.tearDown()
            return result
        } catch {
            run.printLogs(because: error)
            await run.tearDown()
            throw error
        }
    }

    private func tearDown() async {
        await broker.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Prints what the run logged, for a failing test.
    public func printLogs(because reason: any Error) {
        let entries = logs.entries
        guard !entries.isEmpty else { return }
        var text = "--- \(entries.count) log entries of the failed run \(runID) (\(reason)):\n"
        for entry in entries {
            let metadata = entry.metadata.isEmpty ? "" : " \(entry.metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))"
            text += "\(entry.level) \(entry.message)\(metadata)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
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
    public func orchestrator(
        _ store: any SagaStore, _ definitions: [SagaDefinition], configure: (inout OrchestratorConfiguration) -> Void = { _ in }
    ) throws -> Orchestrator {
        var configuration = configuration()
        configure(&configuration)
        return Orchestrator(configuration: configuration, registry: try SagaRegistry(definitions), store: store, logger: logger, metricsFactory: metrics)
    }

    /// Scripted participants on every participant topic.
    public func participants(_ script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior) throws -> ScriptedParticipants {
        try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "participants-\(runID)"),
            producer: broker.producerConfiguration(),
            topics: participantTopics,
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
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await orchestrator.run() }
            group.addTask { try await participants.run() }
            group.addTask { try await progress.run() }
            do {
                // The orchestrator's status wakes its waiter; the Kafka consumers' assignments
                // (participants, progress reader) have no event to wait on, so they are polled.
                _ = await orchestrator.waitForStatus(within: .seconds(60)) { $0.ownedPartitions > 0 }
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline && !(participants.isReady && progress.isReady) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                guard orchestrator.status.ownedPartitions > 0 && participants.isReady && progress.isReady else {
                    throw OrchestratorTestRunError(
                        "not ready within 60 s: orchestrator partitions \(orchestrator.status.ownedPartitions), "
                            + "participants ready \(participants.isReady), progress reader ready \(progress.isReady)"
                    )
                }
                let result = try await body()
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Reads every message of a topic from the beginning until `count` arrived or `timeout` passed.
    public func read(topic: String, count: Int, timeout: Duration) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: "reader-\(runID)-\(topic)"), logger: logger)
        try consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline {
            messages += try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(50))
        }
        try? await consumer.close()
        return messages
    }
}

/// An ``OrchestratorTestRun`` could not set up what the test needs.
public struct OrchestratorTestRunError: Error, CustomStringConvertible {
    /// What was not ready.
    public var description: String

    /// - Parameter description: What was not ready.
    public init(_ description: String) { self.description = description }
}
