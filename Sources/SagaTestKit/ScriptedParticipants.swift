import Kafka
import Logging
import SagaConcurrency
import SagaCore
import Synchronization

/// Fake participant services for tests, demos and benchmarks: one consumer reads the command
/// topics of several participants and answers each command as a script says.
///
/// It behaves like a well-made participant: it replies to the topic and partition the command
/// names, keyed by saga id, and deduplicates by idempotency key — a repeated command whose first
/// answer was final (succeeded or rejected) gets that answer again without running the script,
/// so an effect is applied at most once per key. ``commands`` and ``effects`` record what it saw.
public final class ScriptedParticipants: Sendable {
    /// One command as received.
    public struct Received: Sendable, Hashable {
        /// The topic it came from.
        public var topic: String
        /// The command.
        public var command: ParticipantCommand
        /// Whether it repeated a key already answered for good (the script was not run).
        public var duplicate: Bool
    }

    private struct State {
        var received: [Received] = []
        var answered: [String: (ReplyOutcome, String?, JSONValue?)] = [:]
        var effects: [String: Int] = [:]
    }

    /// Its Kafka clients until ``run()`` ends; released then, so none outlives a broker that
    /// stops after the participants (a client left behind keeps reconnecting and logs errors).
    private let clients: Mutex<(consumer: KafkaConsumer, producer: KafkaProducer)?>
    private let script: @Sendable (ParticipantCommand) -> ParticipantBehavior
    private let state = Mutex(State())
    private let logger: Logger

    /// - Parameters:
    ///   - consumer: a consumer configuration (its group id names these participants).
    ///   - producer: a producer configuration for replies; its linger is replaced by `replyLinger`.
    ///   - topics: the participants' command topics.
    ///   - logger: where the Kafka clients log.
    ///   - replyLinger: how long replies wait to be sent in one batch (`linger.ms`).
    ///   - expectedCommands: how many commands to make room for up front. A benchmark sets it: a
    ///     record of a hundred thousand commands that grows mid-run (copied, or its keys hashed
    ///     again) holds up every reply for tens of milliseconds.
    ///   - script: the answer to each command; runs on the participants' task, must not block.
    public init(
        consumer: KafkaConsumerConfiguration,
        producer: KafkaProducerConfiguration,
        topics: [String],
        logger: Logger = Logger(label: "saga.scripted-participants"),
        expectedCommands: Int = 0,
        replyLinger: Duration = .milliseconds(1),
        script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior
    ) throws {
        var producerConfiguration = producer
        producerConfiguration.linger = replyLinger
        let consumer = try KafkaConsumer(configuration: consumer, logger: logger)
        try consumer.subscribe(topics: topics)
        clients = Mutex((consumer, try KafkaProducer(configuration: producerConfiguration, logger: logger)))
        self.script = script
        self.logger = logger
        state.withLock { state in
            state.received.reserveCapacity(expectedCommands)
            state.answered.reserveCapacity(expectedCommands)
            state.effects.reserveCapacity(expectedCommands)
        }
    }

    /// Whether the group gave this consumer its partitions.
    public var isReady: Bool { clients.withLock { $0.map { !$0.consumer.assignment.isEmpty } ?? false } }

    /// Whether the consumer held partitions at its last poll: set by ``run()`` after each poll,
    /// so ``waitUntilReady(within:)`` is woken, not polling.
    private let assigned = Watched(false)

    /// Returns once the group gave this consumer its partitions (as seen by ``run()``).
    /// - Parameter timeout: The bound.
    /// - Throws: ``WaitTimedOut`` when it has none then.
    public func waitUntilReady(within timeout: Duration) async throws {
        try await assigned.wait(for: "the scripted participants to have partitions", within: timeout) { $0 }
    }

    /// Every command received, in order.
    public var commands: [Received] { state.withLock { $0.received } }

    /// How many times each idempotency key's effect was applied (the script ran and succeeded).
    public var effects: [String: Int] { state.withLock { $0.effects } }

    /// Answers commands until the task is cancelled, then leaves the group and releases its
    /// Kafka clients: it runs once.
    /// - Throws: a fatal ``KafkaError``, or a shut-down error when it ran before.
    public func run() async throws {
        guard let (consumer, producer) = clients.withLock({ $0 }) else { throw KafkaError.shutDown("the scripted participants ran already") }
        defer { clients.withLock { $0 = nil } }
        while !Task.isCancelled {
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(20))
            } catch {
                if error.isFatal { throw error }
                continue
            }
            let holds = !consumer.assignment.isEmpty
            if holds != assigned.value { assigned.update { $0 = holds } }
            if batch.isEmpty { continue }
            let replies = batch.compactMap(answer)
            if !replies.isEmpty {
                // Polls again while the replies are on their way: a participant that waited for
                // each batch's acknowledgements would add a broker round trip to every hop.
                let delivery = await producer.enqueue(replies)
                let logger = self.logger
                Task {
                    for case .failure(let error) in await delivery.reports() {
                        logger.warning("a reply was not delivered", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
        try? await consumer.close()
        await producer.shutdown(flushTimeout: .seconds(5))
    }

    private func answer(_ message: KafkaConsumerMessage) -> KafkaProducerMessage? {
        guard let value = message.value,
              case .success(let command) = SagaMessageCodec.decode(ParticipantCommand.self, from: value)
        else {
            logger.warning("not a participant command", metadata: ["topic": "\(message.topic)", "offset": "\(message.offset)"])
            return nil
        }
        let key = command.idempotencyKey
        let recorded = state.withLock { state -> (ReplyOutcome, String?, JSONValue?)? in
            let previous = state.answered[key]
            state.received.append(Received(topic: message.topic, command: command, duplicate: previous != nil))
            return previous
        }
        let outcome: (ReplyOutcome, String?, JSONValue?)
        if let recorded {
            outcome = recorded
        } else {
            switch script(command).answer {
            case .silent:
                return nil
            case .reply(let result, let reason, let output):
                outcome = (result, reason, output)
                if result != .failedRetryable {
                    state.withLock { state in
                        state.answered[key] = outcome
                        if result == .succeeded { state.effects[key, default: 0] += 1 }
                    }
                }
            }
        }
        let reply = ParticipantReply(to: command, outcome: outcome.0, reason: outcome.1, output: outcome.2)
        var headers = [
            KafkaHeader(name: SagaHeaders.messageType, value: ParticipantReply.messageType),
            KafkaHeader(name: SagaHeaders.sagaID, value: command.sagaId),
            KafkaHeader(name: SagaHeaders.contentType, value: SagaHeaders.jsonContentType),
        ]
        if let trace = message.header(SagaHeaders.traceparent) { headers.append(trace) }
        return KafkaProducerMessage(
            topic: command.replyTo.topic,
            partition: command.replyTo.partition,
            key: Array(command.sagaId.utf8),
            // Scripted outputs are plain JSON values: the encoding cannot fail.
            value: (try? SagaMessageCodec.encode(reply)) ?? [],
            headers: headers
        )
    }
}
