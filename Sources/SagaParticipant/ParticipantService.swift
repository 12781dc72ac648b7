import Foundation
import Kafka
import Logging
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
/// try await ServiceGroup(services: [payments], gracefulShutdownSignals: [.sigterm], logger: logger).run()
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
    private struct RunState {
        var scheduler: CommandScheduler
        /// Set by a graceful shutdown: answers still undelivered then are given up.
        var giveUpAt: ContinuousClock.Instant?
    }

    private let configuration: ParticipantConfiguration
    private let handlers: ParticipantHandlers
    private let dedupe: any ParticipantDedupeStore
    private let logger: Logger
    private let state: Mutex<RunState>
    /// The service's counters.
    public let metrics = ParticipantMetrics()

    /// How long one poll waits for commands: also how soon answered offsets are committed.
    private static let pollWait: Duration = .milliseconds(20)

    /// - Parameters:
    ///   - configuration: the participant's name, topics, Kafka clients and limits.
    ///   - handlers: the handler of each phase.
    ///   - dedupe: where final answers are recorded by idempotency key (its lifetime is the
    ///     caller's: the service does not close it).
    ///   - logger: where the service and its Kafka clients log.
    public init(configuration: ParticipantConfiguration, handlers: ParticipantHandlers, dedupe: any ParticipantDedupeStore, logger: Logger) {
        self.configuration = configuration
        self.handlers = handlers
        self.dedupe = dedupe
        self.logger = logger
        self.state = Mutex(RunState(scheduler: CommandScheduler(maxRunning: configuration.maxConcurrentCommands)))
    }

    /// Whether the consumer group gave this service partitions to consume.
    public var isReady: Bool { state.withLock { $0.scheduler.hasPartitions } }

    /// Consumes and answers commands until graceful shutdown or cancellation.
    /// - Throws: ``ParticipantError`` for a configuration that cannot work or a Kafka client that
    ///   cannot be created or failed for good.
    public func run() async throws {
        if let problem = configuration.problem { throw ParticipantError.configuration(problem) }
        state.withLock { $0 = RunState(scheduler: CommandScheduler(maxRunning: configuration.maxConcurrentCommands)) }
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
                self.state.withLock { $0.scheduler.assigned(partitions) }
                return [:]
            },
            onRevoke: { partitions, lost in
                self.state.withLock { $0.scheduler.revoked(partitions) }
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
            metrics.update { $0.commits += 1 }
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

    // MARK: - Workers

    /// Answers `first`, then whatever the scheduler hands this worker next.
    private func work(from first: CommandWork, _ publisher: ReplyPublisher) async {
        var next: CommandWork? = first
        while let work = next {
            let answered = await answerUntilDelivered(work, publisher)
            next = state.withLock { $0.scheduler.finish(work, answered: answered) }
        }
    }

    /// Answers `work` until the answer is acknowledged, handling it again after a backoff when
    /// delivery (or the dedupe store) fails.
    /// - Returns: `false` when it gave up: the partition was revoked, the shutdown timeout passed,
    ///   or the task was cancelled.
    private func answerUntilDelivered(_ work: CommandWork, _ publisher: ReplyPublisher) async -> Bool {
        var backoff = configuration.retryBackoff.initial
        while true {
            do {
                try await answer(work, publisher)
                return true
            } catch {
                let origin: Logger.Metadata = [
                    "topic": "\(work.message.topic)", "partition": "\(work.message.partition)",
                    "offset": "\(work.message.offset)", "error": "\(error)",
                ]
                guard mayTryAgain(work) else {
                    logger.warning("a command's answer was not delivered; left uncommitted", metadata: origin)
                    return false
                }
                logger.warning("a command's answer was not delivered; handling it again in \(backoff)", metadata: origin)
                metrics.update { $0.redeliveries += 1 }
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return false
                }
                backoff = min(backoff * 2, configuration.retryBackoff.maximum)
            }
        }
    }

    private func mayTryAgain(_ work: CommandWork) -> Bool {
        if Task.isCancelled { return false }
        return state.withLock { state in
            state.scheduler.isCurrent(work) && state.giveUpAt.map { ContinuousClock.now < $0 } ?? true
        }
    }

    /// Answers one message and waits for the broker's acknowledgement.
    private func answer(_ work: CommandWork, _ publisher: ReplyPublisher) async throws {
        switch work.content {
        case .malformed(let reason):
            logger.warning("a malformed command goes to the dead-letter topic", metadata: [
                "topic": "\(work.message.topic)", "partition": "\(work.message.partition)",
                "offset": "\(work.message.offset)", "reason": "\(reason)",
            ])
            try await publisher.send(OutgoingMessages.deadLetter(work.message, reason: reason, topic: configuration.deadLetterTopic, now: Self.now()))
            metrics.update { $0.deadLettered += 1 }
        case .command(let command):
            let reply = try await reply(to: command, from: work.message)
            try await publisher.send(OutgoingMessages.reply(reply, to: command, from: work.message))
            metrics.update { $0.repliesSent += 1 }
        }
    }

    /// The reply recorded for the command's idempotency key, or the handler's answer (recorded
    /// when final).
    private func reply(to command: ParticipantCommand, from message: KafkaConsumerMessage) async throws -> ParticipantReply {
        let key = DedupeKey(consumer: configuration.name, idempotencyKey: command.idempotencyKey)
        if let recorded = try await dedupe.reply(for: key) {
            metrics.update { $0.duplicates += 1 }
            return try Self.replay(recorded, for: command)
        }
        let request = ParticipantRequest(command: command, traceparent: message.header(SagaHeaders.traceparent)?.stringValue, logger: logger)
        let answer = await handle(request)
        let reply = ParticipantReply(to: command, outcome: answer.outcome, reason: answer.reason, output: answer.output)
        guard answer.isFinal else { return reply }
        let encoded = SagaMessageCodec.encode(reply)
        guard !encoded.isEmpty else {
            request.logger.error("the handler's output holds a non-finite number, which JSON cannot carry; answering failed-retryable")
            return ParticipantReply(to: command, outcome: .failedRetryable, reason: "the participant's output cannot be written as JSON")
        }
        // Another instance may have answered the same key first: its answer wins.
        return try Self.replay(try await dedupe.record(encoded, for: key, at: Self.now().milliseconds), for: command)
    }

    /// Runs the phase's handler; a thrown error is a retryable failure with its description.
    private func handle(_ request: ParticipantRequest) async -> ParticipantAnswer {
        metrics.update { $0.handled += 1 }
        do {
            return try await handlers.handler(for: request.phase)(request)
        } catch {
            metrics.update { $0.handlerErrors += 1 }
            request.logger.warning("the handler threw; answering failed-retryable", metadata: ["error": "\(error)"])
            return .retry(String(describing: error))
        }
    }

    /// A recorded reply, as the answer to this attempt of the command (the orchestrator ignores a
    /// reply for another attempt).
    private static func replay(_ recorded: [UInt8], for command: ParticipantCommand) throws -> ParticipantReply {
        guard case .success(var reply) = SagaMessageCodec.decode(ParticipantReply.self, from: recorded) else {
            throw ParticipantError.unreadableRecord("the reply recorded for '\(command.idempotencyKey)' is not a participant reply")
        }
        reply.attempt = command.attempt
        return reply
    }

    private static func now() -> SagaTime {
        SagaTime(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
