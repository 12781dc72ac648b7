import CoreMetrics
import Foundation
import Kafka
import Logging
import SagaConcurrency
import SagaCore
import SagaStore
import ServiceLifecycle
import Synchronization

/// A participant service: consumes its command topics, runs the handler of each command's phase,
/// and replies to the orchestrator.
///
/// ```swift
/// let dedupe = try await SagaStoreURL("sqlite:payments.sqlite").openParticipantDedupeStore()
/// let payments = ParticipantService(
///     configuration: ParticipantConfiguration(name: "payments", bootstrapServers: ["kafka:9092"], commandTopics: ["payments.commands"]),
///     handlers: ParticipantHandlers(pending: hold, approve: capture, compensate: release),
///     dedupe: dedupe,
///     logger: logger
/// )
/// // The dedupe store first, so it stops after the service that uses it.
/// try await ServiceGroup(services: [dedupe, payments], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// What it does for every command:
/// - **Deduplication.** A command whose idempotency key already has a final answer (success or
///   rejection) in the ``ParticipantDedupeStore`` gets that answer again, for its own attempt, and
///   the handler does not run. Retryable failures are not recorded, so the next attempt runs the
///   handler. A handler can still run twice for one key if the process dies between the handler's
///   return and the record: make its effect idempotent by ``ParticipantRequest`` `idempotencyKey`
///   where that matters.
/// - **Reply routing.** The reply goes to the topic and partition the command names (`replyTo`),
///   keyed by saga id, with the message type, saga id and content type headers and the command's
///   `traceparent`.
/// - **Offsets after acknowledgement.** A command's offset is committed only once its reply (or
///   dead letter) was acknowledged by the broker (`acks=all`, idempotent producer), and only when
///   every earlier command of its partition was too. An answer that fails to deliver is not
///   committed: the command is handled again after a backoff (the dedupe record makes that safe),
///   and if the process stops first, the partition's next owner handles it.
/// - **Malformed commands** (no value, not JSON, not a valid participant command) go to the
///   dead-letter topic with the reason and their topic, partition and offset; the partition moves on.
/// - **Concurrency.** Up to ``ParticipantConfiguration/maxConcurrentCommands`` commands run at once,
///   for different sagas; one saga's commands run one at a time, in order. Past
///   ``ParticipantConfiguration/maxBufferedCommands`` unanswered commands, intake pauses.
///
/// On graceful shutdown (run it in a `ServiceGroup`) it stops taking commands, lets running handlers
/// finish and their answers be delivered (for up to ``ParticipantConfiguration/shutdownTimeout``),
/// commits, and leaves the consumer group. Commands received but not started stay uncommitted for
/// the next owner. Cancellation stops at once, committing what was answered.
public final class ParticipantService: Service, Sendable {
    struct RunState {
        var scheduler: CommandScheduler
        /// Set by a graceful shutdown: answers still undelivered then are given up.
        var giveUpAt: ContinuousClock.Instant?
    }

    let configuration: ParticipantConfiguration
    let handlers: ParticipantHandlers
    let dedupe: any ParticipantDedupeStore
    let logger: Logger
    let state: Mutex<RunState>
    /// ``isReady``, for ``waitForReadiness(otherThan:)`` to wait on.
    private let readiness = Watched(false)
    let instruments: ParticipantInstruments
    let tracer: ParticipantTracer

    /// How long one poll waits for commands: also how soon answered offsets are committed.
    private static let pollWait: Duration = .milliseconds(20)

    /// - Parameters:
    ///   - configuration: the participant's name, topics, Kafka clients and limits.
    ///   - handlers: the handler of each phase.
    ///   - dedupe: where final answers are recorded by idempotency key (its lifetime is the
    ///     caller's: run it, before this service, in the same `ServiceGroup` or around it).
    ///   - logger: where the service and its Kafka clients log.
    ///   - metricsFactory: where its swift-metrics instruments are made (see
    ///     ``ParticipantInstruments``); default: the process's bootstrapped `MetricsSystem`.
    public init(
        configuration: ParticipantConfiguration, handlers: ParticipantHandlers, dedupe: any ParticipantDedupeStore, logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.configuration = configuration
        self.handlers = handlers
        self.dedupe = dedupe
        self.logger = logger
        self.instruments = ParticipantInstruments(participant: configuration.name, factory: metricsFactory ?? MetricsSystem.factory)
        self.state = Mutex(RunState(scheduler: CommandScheduler(maxRunning: configuration.maxConcurrentCommands)))
        self.tracer = ParticipantTracer(configuration.tracer)
    }

    /// Whether the consumer group gave this service partitions to consume.
    public var isReady: Bool { state.withLock { $0.scheduler.hasPartitions } }

    /// Waits until ``isReady`` is not `ready` (at once if it is not now), woken by the rebalances
    /// that change it rather than polling it.
    /// - Returns: The readiness now; `ready` when the task was cancelled while waiting.
    public func waitForReadiness(otherThan ready: Bool) async -> Bool {
        guard await readiness.wait(until: { $0 != ready }) else { return ready }
        return readiness.value
    }

    /// Consumes and answers commands until graceful shutdown or cancellation.
    /// - Throws: ``ParticipantError`` for a configuration that cannot work or a Kafka client that
    ///   cannot be created or failed for good; ``SagaStoreError`` with
    ///   ``SagaStoreError/Code/notRunning`` when the dedupe store does not run within 30 s.
    public func run() async throws {
        if let problem = configuration.problem { throw ParticipantError.configuration(problem) }
        // The dedupe store is a Service of its own, usually started just before this one.
        try await dedupe.waitUntilRunning(within: .seconds(30))
        state.withLock { $0 = RunState(scheduler: CommandScheduler(maxRunning: configuration.maxConcurrentCommands)) }
        readiness.update { $0 = false }
        let consumer: KafkaConsumer
        let publisher: ReplyPublisher
        do {
            consumer = try KafkaConsumer(configuration: configuration.consumer, rebalanceHandler: rebalanceHandler(), logger: logger)
            publisher = try ReplyPublisher(configuration: configuration.replyProducer, logger: logger)
            try consumer.subscribe(topics: configuration.commandTopics)
        } catch {
            throw ParticipantError.kafka("cannot create the Kafka clients of participant '\(configuration.name)'", cause: error)
        }
        logger.info("participant started", metadata: [
            "participant": "\(configuration.name)", "topics": "\(configuration.commandTopics.joined(separator: ","))",
        ])
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await withGracefulShutdownHandler {
                    try await intake(consumer, publisher, &group)
                } onGracefulShutdown: {
                    self.stopIntake()
                }
            }
        } catch {
            logger.error("participant stopping on error", metadata: ["error": "\(error)"])
            try? await consumer.close()
            await publisher.shutdown(flushTimeout: .seconds(1))
            throw error
        }
        // Every worker is done: commit what they answered, then leave the group.
        await commitDue(consumer)
        do {
            try await consumer.close()
        } catch {
            logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
        }
        await publisher.shutdown(flushTimeout: .seconds(5))
        logger.info("participant stopped", metadata: ["participant": "\(configuration.name)"])
    }

    // MARK: - Intake

    /// Polls, hands commands to workers, commits answered offsets and purges old dedupe records,
    /// until stopped or cancelled.
    private func intake(
        _ consumer: KafkaConsumer, _ publisher: ReplyPublisher, _ group: inout ThrowingDiscardingTaskGroup<any Error>
    ) async throws {
        var nextPurge = ContinuousClock.now
        var paused: Set<KafkaTopicPartition> = []
        while !Task.isCancelled {
            await commitDue(consumer)
            if ContinuousClock.now >= nextPurge {
                await purgeDedupe()
                nextPurge = .now + configuration.purgeInterval
            }
            let (stopped, room) = state.withLock { ($0.scheduler.isStopped, configuration.maxBufferedCommands - $0.scheduler.buffered) }
            if stopped { return }
            paused = applyBackpressure(consumer, full: room <= 0, paused: paused)
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.nextBatch(maxMessages: max(room, 1), timeout: Self.pollWait)
            } catch {
                if error.isFatal || error.isShutDown { throw ParticipantError.kafka("the command consumer failed", cause: error) }
                logger.warning("polling commands failed; polling on", metadata: ["error": "\(error)"])
                // A real delay, not a poll: a short backoff before polling again after an error.
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            if batch.isEmpty { continue }
            let started = state.withLock { $0.scheduler.receive(batch.map(CommandWork.init)) }
            for work in started {
                group.addTask { await self.work(from: work, publisher) }
            }
        }
    }

    /// Pauses the assigned partitions while too many commands are unanswered, and resumes them after.
    /// - Returns: the partitions paused now.
    private func applyBackpressure(_ consumer: KafkaConsumer, full: Bool, paused: Set<KafkaTopicPartition>) -> Set<KafkaTopicPartition> {
        let assignment = consumer.assignment
        do {
            if full {
                let more = assignment.subtracting(paused)
                if !more.isEmpty { try consumer.pause(Array(more)) }
                return paused.union(more)
            }
            let resumable = paused.intersection(assignment)
            if !resumable.isEmpty { try consumer.resume(Array(resumable)) }
            return []
        } catch {
            logger.warning("pausing or resuming intake failed", metadata: ["error": "\(error)"])
            return paused
        }
    }

    private func stopIntake() {
        state.withLock { state in
            state.scheduler.stop()
            state.giveUpAt = .now + configuration.shutdownTimeout
        }
    }

    private func rebalanceHandler() -> KafkaRebalanceHandler {
        KafkaRebalanceHandler(
            onAssign: { partitions in
                let ready = self.state.withLock { state in
                    state.scheduler.assigned(partitions)
                    return state.scheduler.hasPartitions
                }
                self.readiness.update { $0 = ready }
                return [:]
            },
            onRevoke: { partitions, lost in
                let ready = self.state.withLock { state in
                    state.scheduler.revoked(partitions)
                    return state.scheduler.hasPartitions
                }
                self.readiness.update { $0 = ready }
                self.logger.info("command partitions revoked", metadata: ["partitions": "\(partitions)", "lost": "\(lost)"])
            }
        )
    }

    private func commitDue(_ consumer: KafkaConsumer) async {
        let due = state.withLock { $0.scheduler.dueCommits }
        guard !due.isEmpty else { return }
        do {
            try await consumer.commit(due)
            state.withLock { $0.scheduler.didCommit(due) }
            instruments.committedOffsets()
        } catch {
            logger.warning("committing command offsets failed; trying again", metadata: ["error": "\(error)"])
        }
    }

    private func purgeDedupe() async {
        let cutoff = Self.now().milliseconds - configuration.dedupeRetention.wholeMilliseconds
        do {
            let purged = try await dedupe.purge(recordedBefore: cutoff)
            if purged > 0 { logger.info("purged old dedupe records", metadata: ["count": "\(purged)"]) }
        } catch {
            logger.warning("purging old dedupe records failed", metadata: ["error": "\(error)"])
        }
    }

    /// The wall clock, as the contract's times are written.
    static func now() -> SagaTime {
        SagaTime(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
