import Foundation
import Kafka
import KafkaTestKit
import Logging
import MetricsTestKit
import SagaClient
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import Synchronization

/// An embedded broker with the orchestrator's topics and the participants' topics, a fresh
/// SQLite file, and helpers to run an orchestrator with scripted participants against them.
struct RuntimeHarness {
    let broker: EmbeddedKafkaBroker
    let topics: SagaTopics
    let partitions: Int32
    let participantTopics: [String]
    let directory: URL
    let runID: String
    /// The instruments of the orchestrators ``orchestrator(_:_:configure:)`` makes, to read in tests.
    let metrics = TestMetrics()

    init(partitions: Int32 = 4, participants: [String] = ["inventory", "payment", "shipping"]) async throws {
        runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        broker = try EmbeddedKafkaBroker()
        topics = SagaTopics(prefix: "saga.")
        self.partitions = partitions
        participantTopics = participants.map { "participant.\($0)" }
        for topic in topics.all { try await broker.createTopic(topic, partitions: partitions) }
        for topic in participantTopics { try await broker.createTopic(topic, partitions: 2) }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-runtime-\(runID)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var storePath: String { directory.appendingPathComponent("saga.sqlite").path }

    func openStore() async throws -> any SagaStore {
        try await SQLiteSagaStore(path: storePath, logger: Logger(label: "test.store"))
    }

    func configuration() -> OrchestratorConfiguration {
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        configuration.topics = topics
        configuration.partitions = partitions
        configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
        configuration.fetchWaitMax = .milliseconds(5)
        configuration.sessionTimeout = .seconds(6)
        configuration.groupID = "orchestrator-\(runID)"
        return configuration
    }

    /// An orchestrator on `store` that runs `definitions`, with this harness's configuration.
    func orchestrator(_ store: any SagaStore, _ definitions: [SagaDefinition], configure: (inout OrchestratorConfiguration) -> Void = { _ in }) throws -> Orchestrator {
        var configuration = configuration()
        configure(&configuration)
        return Orchestrator(configuration: configuration, registry: try SagaRegistry(definitions), store: store, logger: quietLogger, metricsFactory: metrics)
    }

    func participants(_ script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior) throws -> ScriptedParticipants {
        try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "participants-\(runID)"),
            producer: broker.producerConfiguration(),
            topics: participantTopics,
            logger: quietLogger,
            script: script
        )
    }

    func progress() throws -> ProgressCollector {
        try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "progress-\(runID)-\(UInt32.random(in: 0...UInt32.max))"), topic: topics.progress, logger: quietLogger)
    }

    func client() throws -> SagaClient {
        try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: quietLogger)
    }

    /// Reads every message of a topic from the beginning until `count` arrived or `timeout` passed.
    func read(topic: String, count: Int, timeout: Duration) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: "reader-\(runID)-\(topic)"), logger: quietLogger)
        try consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline {
            messages += try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(50))
        }
        try? await consumer.close()
        return messages
    }

    /// The order-fulfilment saga: reserve, then charge and ship in parallel. The default attempt
    /// timeout is long (30 s): with the whole suite, a browser and schemathesis on two cores, the
    /// in-process participants have been seen to answer more than 5 s late, which turned sagas
    /// meant to complete into compensations. Tests about timeouts pass their own.
    func orderDefinition(
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

/// Runs the orchestrator, the participants and a progress collector while `body` runs, then
/// stops them all.
func withRunning<T: Sendable>(
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
            // Start sagas only once every consumer group has its partitions; say which did not.
            // The orchestrator's status wakes its waiter; the Kafka consumers' assignments
            // (participants, progress reader) have no event to wait on, so they are polled.
            _ = await orchestrator.waitForStatus(within: .seconds(60)) { $0.ownedPartitions > 0 }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline
                && !(orchestrator.status.ownedPartitions > 0 && participants.isReady && progress.isReady) {
                try await Task.sleep(for: .milliseconds(20))
            }
            guard orchestrator.status.ownedPartitions > 0 && participants.isReady && progress.isReady else {
                throw HarnessError(
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

/// Runs `body` with a new harness and shuts the harness down afterwards, whatever happens.
func withHarness<T>(partitions: Int32 = 4, _ body: (RuntimeHarness) async throws -> T) async throws -> T {
    let harness = try await RuntimeHarness(partitions: partitions)
    do {
        let result = try await body(harness)
        await harness.shutdown()
        return result
    } catch {
        await harness.shutdown()
        throw error
    }
}

/// A flag a test opens once, read from participant scripts.
final class Gate: Sendable {
    private let state = Mutex(false)
    var isOpen: Bool { state.withLock { $0 } }
    func open() { state.withLock { $0 = true } }
}

/// A test harness could not set up what the test needs.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
