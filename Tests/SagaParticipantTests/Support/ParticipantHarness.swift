import Foundation
import Kafka
import KafkaTestKit
import Logging
import MetricsTestKit
import SagaCore
import SagaParticipant
import SagaStore
import ServiceLifecycleTestKit
import Synchronization

/// An embedded broker with a participant's command topic, the replies and dead-letter topics,
/// a producer for commands, and readers for what the participant wrote.
struct ParticipantHarness {
    static let commandTopic = "participant.commands"
    static let repliesTopic = "saga.replies"
    static let deadLetterTopic = "saga.dead-letters"
    static let replyPartitions: Int32 = 4

    let broker: EmbeddedKafkaBroker
    let runID: String
    /// The instruments of the services ``service(_:dedupe:logger:configure:)`` makes.
    let metrics = TestMetrics()
    private let producer: KafkaProducer

    init() async throws {
        runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        broker = try EmbeddedKafkaBroker(logger: quietLogger)
        try await broker.createTopic(Self.commandTopic, partitions: 2)
        try await broker.createTopic(Self.repliesTopic, partitions: Self.replyPartitions)
        try await broker.createTopic(Self.deadLetterTopic, partitions: 1)
        var producer = broker.producerConfiguration()
        producer.linger = .milliseconds(1)
        self.producer = try KafkaProducer(configuration: producer, logger: quietLogger)
    }

    /// The participant's consumer group.
    var groupID: String { "participant-\(runID)" }

    /// A participant on this broker; `configure` adjusts it.
    func service(
        _ handlers: ParticipantHandlers,
        dedupe: any ParticipantDedupeStore = InMemoryParticipantDedupeStore(),
        logger: Logger = quietLogger,
        configure: (inout ParticipantConfiguration) -> Void = { _ in }
    ) -> ParticipantService {
        var producer = broker.producerConfiguration()
        producer.linger = .milliseconds(1)
        var configuration = ParticipantConfiguration(
            name: "test-participant", commandTopics: [Self.commandTopic],
            consumer: broker.consumerConfiguration(groupID: groupID), producer: producer
        )
        configuration.deadLetterTopic = Self.deadLetterTopic
        configure(&configuration)
        return ParticipantService(configuration: configuration, handlers: handlers, dedupe: dedupe, logger: logger, metricsFactory: metrics)
    }

    /// A pending command (by default) of `saga` that asks for its reply on `replyPartition`.
    static func command(
        saga: String, step: String = "pay", phase: SagaPhase = .pending, attempt: Int = 1,
        replyPartition: Int32 = 0, payload: JSONValue = .emptyObject
    ) -> ParticipantCommand {
        ParticipantCommand(
            sagaId: saga, sagaType: "test", sagaVersion: 1, step: step, phase: phase, attempt: attempt,
            replyTo: .init(topic: repliesTopic, partition: replyPartition), payload: payload,
            deadline: SagaTime(milliseconds: 4_000_000_000_000)
        )
    }

    /// Publishes a command to partition `partition` of the command topic.
    @discardableResult
    func send(_ command: ParticipantCommand, partition: Int32 = 0, traceparent: String? = nil) async throws -> KafkaDeliveryReport {
        var headers = [KafkaHeader(name: SagaHeaders.messageType, value: ParticipantCommand.messageType)]
        if let traceparent { headers.append(KafkaHeader(name: SagaHeaders.traceparent, value: traceparent)) }
        return try await producer.send(KafkaProducerMessage(
            topic: Self.commandTopic, partition: partition, key: Array(command.sagaId.utf8),
            value: try SagaMessageCodec.encode(command), headers: headers
        ))
    }

    /// Publishes raw bytes (`nil`: a tombstone) to partition `partition` of the command topic.
    @discardableResult
    func sendRaw(_ value: [UInt8]?, key: String?, partition: Int32 = 0) async throws -> KafkaDeliveryReport {
        try await producer.send(KafkaProducerMessage(topic: Self.commandTopic, partition: partition, key: key.map { Array($0.utf8) }, value: value))
    }

    /// Reads `topic` from the beginning until `count` messages arrived or `timeout` passed.
    func read(_ topic: String, count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: "reader-\(runID)"), logger: quietLogger)
        let partitions = try await consumer.partitions(of: topic, timeout: .seconds(10))
        try await consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map {
            (KafkaTopicPartition(topic: topic, partition: $0.partition), KafkaOffset.beginning)
        }))
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline {
            messages += try await consumer.nextBatch(maxMessages: 100, timeout: .milliseconds(50))
        }
        try? await consumer.close()
        return messages
    }

    /// The replies on the replies topic, decoded, once `count` arrived (or the timeout passed).
    func replies(count: Int, timeout: Duration = .seconds(30)) async throws -> [(message: KafkaConsumerMessage, reply: ParticipantReply)] {
        try await read(Self.repliesTopic, count: count, timeout: timeout).map { message in
            (message, try SagaMessageCodec.decode(ParticipantReply.self, from: message.value ?? []).get())
        }
    }

    /// The participant group's committed offset for partition `partition` of the command topic.
    func committed(partition: Int32 = 0) async throws -> KafkaOffset {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: groupID), logger: quietLogger)
        let topicPartition = KafkaTopicPartition(topic: Self.commandTopic, partition: partition)
        let offsets = try await consumer.committedOffsets(for: [topicPartition], timeout: .seconds(10))
        try? await consumer.close()
        return offsets[topicPartition] ?? .invalid
    }

    /// Waits until the committed offset of `partition` is `offset`, or `timeout` passed.
    /// - Returns: the last committed offset seen.
    func waitForCommit(_ offset: Int64, partition: Int32 = 0, timeout: Duration = .seconds(30)) async throws -> KafkaOffset {
        let deadline = ContinuousClock.now + timeout
        var seen = try await committed(partition: partition)
        while seen != KafkaOffset(offset) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            seen = try await committed(partition: partition)
        }
        return seen
    }

    func shutdown() async {
        await producer.shutdown(flushTimeout: .seconds(5))
        await broker.shutdown()
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// Runs `body` with a new harness and shuts it down afterwards, whatever happens.
func withHarness<T>(_ body: (ParticipantHarness) async throws -> T) async throws -> T {
    let harness = try await ParticipantHarness()
    do {
        let result = try await body(harness)
        await harness.shutdown()
        return result
    } catch {
        await harness.shutdown()
        throw error
    }
}

/// Runs `service` while `body` runs (once the service has its partitions), then shuts it down
/// gracefully and waits for it to return.
func withRunning<T: Sendable>(_ service: ParticipantService, _ body: () async throws -> T) async throws -> T {
    try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            do {
                // Generous: a second member of a group can be held about 29 s by the embedded broker's
                // rejoin, more on a busy machine.
                try await waitUntilReady(service, within: .seconds(90))
                let result = try await body()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

/// Waits until `condition` holds; throws when `timeout` passes first.
func waitUntil(timeout: Duration, _ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A bounded wait that ran out.
struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(what)" }
}

/// A flag a test opens once, read from handlers.
final class Gate: Sendable {
    private let state = Mutex(false)
    var isOpen: Bool { state.withLock { $0 } }
    func open() { state.withLock { $0 = true } }

    /// Waits until the gate is open (or `timeout` passed).
    func wait(timeout: Duration = .seconds(60)) async throws {
        try await waitUntil(timeout: timeout, "the gate opens") { isOpen }
    }
}

/// Counts calls by key, from handlers.
final class Counter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts one more for `key` and returns the new count.
    @discardableResult
    func increment(_ key: String) -> Int {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key]!
        }
    }

    func count(_ key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}

/// The repository's `examples/definitions` directory.
let exampleDefinitions = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples/definitions")

/// Waits until `service` has partitions, woken by the rebalance that gives it them.
/// - Throws: ``TimedOut`` when `timeout` passes first.
func waitUntilReady(_ service: ParticipantService, within timeout: Duration) async throws {
    let ready = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await service.waitForReadiness(otherThan: false) }
        group.addTask {
            // The bound on the wait.
            try? await Task.sleep(for: timeout)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    guard ready, service.isReady else { throw TimedOut(what: "the participant has partitions") }
}
