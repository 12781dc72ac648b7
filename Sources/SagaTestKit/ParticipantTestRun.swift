import Foundation
import InMemoryLogging
import Kafka
import KafkaTestKit
import Logging
import MetricsTestKit
import SagaCore
import SagaParticipant
import SagaStore
import ServiceLifecycleTestKit

/// One test's world for a participant: an embedded broker with a participant's command topic,
/// the replies and dead-letter topics, a producer for commands, readers for what the participant
/// wrote, and a logger that keeps what it is told in memory.
///
/// Made and torn down by ``test(_:)``, as ``OrchestratorTestRun`` is:
///
/// ```swift
/// try await ParticipantTestRun.test { run in
///     let service = run.service(ParticipantHandlers(pending: { _ in .success() }))
///     try await run.withRunning(service) {
///         try await run.send(ParticipantTestRun.command(saga: "s-1"))
///         #expect(try await run.replies(count: 1).count == 1)
///     }
/// }
/// ```
public struct ParticipantTestRun: Sendable {
    /// The participant's command topic (two partitions).
    public static let commandTopic = "participant.commands"
    /// The topic replies are asked for on.
    public static let repliesTopic = "saga.replies"
    /// The dead-letter topic (one partition).
    public static let deadLetterTopic = "saga.dead-letters"
    /// The partitions of ``repliesTopic``.
    public static let replyPartitions: Int32 = 4

    /// The embedded broker.
    public let broker: EmbeddedKafkaBroker
    /// What the run's parts logged (at `SAGA_TEST_LOG`'s level, default `info`): printed when
    /// the test body throws.
    public let log = TestRunLog()
    /// A random id that keeps consumer groups of runs apart.
    public var runID: String { log.runID }
    /// The instruments of the services ``service(_:dedupe:logger:configure:)`` makes.
    public let metrics = TestMetrics()
    private let producer: KafkaProducer

    /// The logger the run's parts use: into ``log``.
    public var logger: Logger { log.logger }

    private init() async throws {
        broker = try await EmbeddedKafkaBroker.withTopics(
            [(Self.commandTopic, 2), (Self.repliesTopic, Self.replyPartitions), (Self.deadLetterTopic, 1)], logger: log.logger
        )
        do {
            var producer = broker.producerConfiguration()
            producer.linger = .milliseconds(1)
            self.producer = try KafkaProducer(configuration: producer, logger: log.logger)
        } catch {
            await broker.shutdown()
            throw error
        }
    }

    /// Makes a run, passes it to `body`, and tears it down (producer, broker) whatever happens.
    /// When `body` throws, what the run logged is printed before the error goes on.
    /// - Returns: What `body` returns.
    public static func test<T>(_ body: (ParticipantTestRun) async throws -> T) async throws -> T {
        let run = try await ParticipantTestRun()
        return try await run.log.scope(run, tearDown: { await $0.tearDown() }, body)
    }

    private func tearDown() async {
        await producer.shutdown(flushTimeout: .seconds(5))
        await broker.shutdown()
    }

    // MARK: - Parts

    /// The participant's consumer group.
    public var groupID: String { "participant-\(runID)" }

    /// A participant on this broker, named `test-participant`, reading ``commandTopic`` and
    /// dead-lettering to ``deadLetterTopic``.
    /// - Parameters:
    ///   - handlers: Its handlers.
    ///   - dedupe: Its dedupe store. Default: in memory.
    ///   - logger: Its logger. Default: ``logger``.
    ///   - configure: Adjusts the configuration.
    public func service(
        _ handlers: ParticipantHandlers,
        dedupe: any ParticipantDedupeStore = InMemoryParticipantDedupeStore(),
        logger: Logger? = nil,
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
        return ParticipantService(
            configuration: configuration, handlers: handlers, dedupe: dedupe, logger: logger ?? self.logger, metricsFactory: metrics
        )
    }

    /// A pending command (by default) of `saga` that asks for its reply on `replyPartition`.
    public static func command(
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
    public func send(_ command: ParticipantCommand, partition: Int32 = 0, traceparent: String? = nil) async throws -> KafkaDeliveryReport {
        var headers = [KafkaHeader(name: SagaHeaders.messageType, value: ParticipantCommand.messageType)]
        if let traceparent { headers.append(KafkaHeader(name: SagaHeaders.traceparent, value: traceparent)) }
        return try await producer.send(KafkaProducerMessage(
            topic: Self.commandTopic, partition: partition, key: Array(command.sagaId.utf8),
            value: try SagaMessageCodec.encode(command), headers: headers
        ))
    }

    /// Publishes raw bytes (`nil`: a tombstone) to partition `partition` of the command topic.
    @discardableResult
    public func sendRaw(_ value: [UInt8]?, key: String?, partition: Int32 = 0) async throws -> KafkaDeliveryReport {
        try await producer.send(KafkaProducerMessage(topic: Self.commandTopic, partition: partition, key: key.map { Array($0.utf8) }, value: value))
    }

    /// Reads `topic` from the beginning until `count` messages arrived or `timeout` passed.
    public func read(_ topic: String, count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaConsumerMessage] {
        try await broker.read(topic: topic, count: count, timeout: timeout, logger: logger)
    }

    /// The replies on the replies topic, decoded, once `count` arrived (or the timeout passed).
    public func replies(count: Int, timeout: Duration = .seconds(30)) async throws -> [(message: KafkaConsumerMessage, reply: ParticipantReply)] {
        try await read(Self.repliesTopic, count: count, timeout: timeout).map { message in
            (message, try SagaMessageCodec.decode(ParticipantReply.self, from: message.value ?? []).get())
        }
    }

    /// The participant group's committed offset for partition `partition` of the command topic.
    public func committed(partition: Int32 = 0) async throws -> KafkaOffset {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: groupID), logger: logger)
        let topicPartition = KafkaTopicPartition(topic: Self.commandTopic, partition: partition)
        let offsets = try await consumer.committedOffsets(for: [topicPartition], timeout: .seconds(10))
        try? await consumer.close()
        return offsets[topicPartition] ?? .invalid
    }

    /// Waits until the committed offset of `partition` is `offset`. The broker tells no one of a
    /// commit, so it is asked every 100 ms.
    /// - Returns: The committed offset, `offset`.
    /// - Throws: ``WaitTimedOut`` with the last committed offset seen once `timeout` passed.
    public func waitForCommit(_ offset: Int64, partition: Int32 = 0, timeout: Duration = .seconds(60)) async throws -> KafkaOffset {
        try await poll("partition \(partition)'s committed offset to be \(offset)", within: timeout, every: .milliseconds(100)) {
            try await committed(partition: partition)
        } until: { $0 == KafkaOffset(offset) }
    }

    // MARK: - Running

    /// Runs `service` while `body` runs (once the service has its partitions), then shuts it down
    /// gracefully and waits for it to return.
    /// - Parameter readiness: The bound on the wait for partitions. Default 90 s: a second
    ///   member of a group can be held about 29 s by the embedded broker's rejoin, more on a busy machine.
    /// - Throws: ``WaitTimedOut`` when the service has no partitions in time; what `body` throws.
    public func withRunning<T: Sendable>(
        _ service: ParticipantService, readiness: Duration = .seconds(90), _ body: () async throws -> T
    ) async throws -> T {
        try await testGracefulShutdown { trigger in
            try await withRunningTasks(
                [{ try await service.run() }],
                ready: { try await Self.waitUntilReady(service, within: readiness) },
                stop: { trigger.triggerGracefulShutdown() },
                cancelAfterStop: false,
                body
            )
        }
    }

    /// Returns once `service` has partitions, woken by the rebalance that gives it them.
    /// - Throws: ``WaitTimedOut`` when `timeout` passes first.
    public static func waitUntilReady(_ service: ParticipantService, within timeout: Duration) async throws {
        _ = try await awaiting("the participant to have partitions", within: timeout, lastObserved: { "ready \(service.isReady)" }) {
            while !(await service.waitForReadiness(otherThan: false)) { try Task.checkCancellation() }
        }
    }
}
