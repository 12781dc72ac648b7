import Kafka
import Logging
import SagaConcurrency
import SagaCore
import SagaStore
import Synchronization

/// Publishes committed outbox rows, in commit order, while the loop goes on with the next batch,
/// then marks them sent in the store.
///
/// At least once: a row is marked sent only after Kafka acknowledged it; a row whose send failed
/// is sent again; rows not yet marked when the instance stops are published by the partition's
/// next owner. Participants deduplicate by idempotency key.
///
/// Order: the producer is idempotent, so librdkafka itself retries a failed request without
/// reordering a partition's messages. When a send fails anyway, no new batch is handed over until
/// the failed messages are published (the window stops).
///
/// One message never holds up the others: a message Kafka refuses for good (too large, invalid,
/// no such topic) is not retried; it goes to the dead-letter topic as a truncated copy and, when
/// it is a participant command, its saga is told (``takeUndeliverable()``) and refuses the step.
final class OutboxRelay: Sendable {
    private struct State {
        /// The window, the order and the retries (see ``StateMachine``).
        var machine: StateMachine
        /// Published rows not yet marked sent in the store.
        var toMark: [Int64] = []
        /// Commands Kafka refused for good, for the loop to apply.
        var undeliverable: [Undeliverable] = []
    }

    /// Waited on instead of polled: the window, the backlog bound and the drain wait for it.
    private let state: Watched<State>
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation
    private let markBell: AsyncStream<Void>
    private let markRing: AsyncStream<Void>.Continuation
    private let producer: KafkaProducer
    private let topics: SagaTopics
    private let deadLetterCopyBytes: Int
    private let store: any SagaStore
    private let instruments: OrchestratorInstruments
    private let logger: Logger

    init(
        producer: KafkaProducer, topics: SagaTopics, deadLetterCopyBytes: Int, store: any SagaStore, instruments: OrchestratorInstruments,
        logger: Logger, maxPending: Int = 50_000
    ) {
        self.topics = topics
        self.deadLetterCopyBytes = deadLetterCopyBytes
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (markBell, markRing) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.producer = producer
        self.store = store
        self.instruments = instruments
        self.logger = logger
        // Beyond maxPending rows waiting, enqueue(_:) waits: the loop must not outrun Kafka.
        self.state = Watched(State(machine: StateMachine(maxBatchesInFlight: Self.maxBatchesInFlight, maxPending: maxPending)))
    }

    /// The commands Kafka refused for good since the last call.
    func takeUndeliverable() -> [Undeliverable] {
        state.update { state in
            guard !state.undeliverable.isEmpty else { return [] }
            defer { state.undeliverable.removeAll() }
            return state.undeliverable
        }
    }

    /// Rows committed and not yet acknowledged by Kafka (waiting or being sent).
    var backlog: Int { state.read { $0.machine.backlog } }

    /// Queues records for publishing, after every record queued before them. The records that
    /// share an id (one stored row) must come in one call: the row is marked sent once its last
    /// record is published.
    func enqueue(_ records: [OutboxRecord]) async {
        guard !records.isEmpty else { return }
        await state.wait { $0.machine.hasRoom }
        let now = ContinuousClock.now
        state.update { $0.machine.enqueue(records, now: now) }
        ring.yield()
    }

    /// Publishes until ``finish()`` was called and everything queued is published.
    /// - Throws: ``OrchestratorError`` when the producer fails for good or the store cannot mark rows.
    func run() async throws {
        // Three steps, each beside the others: handing batches to the producer, waiting for
        // their acknowledgements (in order), and marking rows sent in the store. A batch is
        // handed over while the ones before it are still on their way, so the relay does not
        // wait out a broker round trip between batches.
        let (acknowledgements, acknowledge) = AsyncStream.makeStream(of: InFlight.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.markSentRows() }
            group.addTask {
                defer { self.markRing.finish() }
                try await self.confirm(acknowledgements)
            }
            group.addTask {
                defer { acknowledge.finish() }
                try await self.publishRows(to: acknowledge)
            }
            // The first failure ends the others (leaving the group cancels them).
            for try await _ in group {}
        }
    }

    /// A batch handed to the producer, waiting for its acknowledgements.
    private struct InFlight: Sendable {
        var batch: StateMachine.InFlight
        var delivery: KafkaPendingDelivery
        var handed: ContinuousClock.Instant
    }

    /// At most this many batches are handed over and not yet acknowledged.
    private static let maxBatchesInFlight = 16

    private func markSentRows() async throws {
        for await _ in markBell {
            while true {
                let ids = state.update { state -> [Int64] in
                    defer { state.toMark.removeAll(keepingCapacity: true) }
                    return state.toMark
                }
                if ids.isEmpty { break }
                do {
                    try await store.markSent(ids)
                } catch {
                    throw OrchestratorError.store("marking outbox rows sent failed", cause: error)
                }
            }
        }
    }

    private func publishRows(to acknowledge: AsyncStream<InFlight>.Continuation) async throws {
        for await _ in doorbell {
            handing: while true {
                // The window: wait for room, and for a failed batch to be published first.
                let open = await state.wait { $0.machine.windowOpen }
                let now = ContinuousClock.now
                switch state.update({ $0.machine.nextBatch(now: now) }) {
                case .nothingQueued:
                    break handing
                case .waitForWindow:
                    if !open { break handing }  // cancelled
                case .send(let batch, let queuedFor):
                    if let queuedFor { instruments.relayQueued(queuedFor) }
                    let handed = ContinuousClock.now
                    let delivery = await producer.enqueue(batch.records.map { Self.message($0.message) })
                    acknowledge.yield(InFlight(batch: batch, delivery: delivery, handed: handed))
                }
            }
            if state.read({ $0.machine.isDone }) { return }
        }
    }

    /// Waits for each batch's acknowledgements in the order they were handed over; sends what
    /// failed again until it is published (or, refused for good, replaced by a dead letter), then
    /// has the batch's rows marked sent. Returns when cancelled or when the producer is shut down:
    /// rows not marked are published by the partition's next owner.
    private func confirm(_ acknowledgements: AsyncStream<InFlight>) async throws {
        for await inFlight in acknowledgements {
            var remaining = inFlight.batch.records.map(\.message)
            var results = await inFlight.delivery.reports()
            instruments.relayAcknowledged(.now - inFlight.handed)
            var attempt = 0
            sending: while true {
                var sent = 0
                var again: [OutboxMessage] = []
                var firstError: KafkaError?
                for (message, result) in zip(remaining, results) {
                    switch result {
                    case .success:
                        sent += 1
                    case .failure(let error):
                        if error.isFatal { throw OrchestratorError.kafka("the producer failed", cause: error) }
                        if error.isShutDown || Task.isCancelled { return }
                        if error.isPermanentForMessage {
                            if let letter = giveUp(message, error) { again.append(letter) }
                        } else {
                            firstError = firstError ?? error
                            again.append(message)
                        }
                    }
                }
                if sent > 0 { instruments.published(sent) }
                let delivery: StateMachine.Delivery = again.isEmpty ? .published : .failed(retryable: firstError != nil)
                let actions = state.update { $0.machine.delivered(batch: inFlight.batch.number, delivery) }
                var resend: Duration?? = nil
                for action in actions {
                    switch action {
                    case .markSent(_, let ids):
                        state.update { $0.toMark.append(contentsOf: ids) }
                        markRing.yield()
                    case .resend(_, let backoff):
                        resend = .some(backoff)
                    }
                }
                guard case .some(let backoff) = resend else { break sending }
                if let backoff, let firstError {
                    attempt += 1
                    logger.warning("outbox messages not published; retrying", metadata: [
                        "failed": "\(again.count)", "attempt": "\(attempt)", "error": "\(firstError)",
                    ])
                    // A real delay (the backoff); cancellation ends it at once.
                    do {
                        try await Task.sleep(for: backoff)
                    } catch {
                        return
                    }
                }
                remaining = again
                results = await producer.send(remaining.map(Self.message))
            }
        }
    }

    /// A message Kafka refuses for good: logged and replaced by a dead letter that fits; for a
    /// participant command, its saga is told. A dead letter refused for good is dropped (logged).
    private func giveUp(_ message: OutboxMessage, _ error: KafkaError) -> OutboxMessage? {
        let type = message.headers.first { $0.name == SagaHeaders.messageType }?.value.map { String(decoding: $0, as: UTF8.self) }
        logger.error("Kafka refused a message for good; it goes to the dead-letter topic instead", metadata: [
            "topic": "\(message.topic)", "type": "\(type ?? "?")", "bytes": "\(message.value?.count ?? 0)", "error": "\(error)",
        ])
        instruments.refusedByKafka()
        guard message.topic != topics.deadLetters else { return nil }
        if type == ParticipantCommand.messageType, let value = message.value,
           case .success(let command) = SagaMessageCodec.decode(ParticipantCommand.self, from: value) {
            let failure = Undeliverable(sagaID: command.sagaId, step: command.step, phase: command.phase, reason: "Kafka refused it: \(error.rdKafkaCodeName ?? error.shortDescription)")
            state.update { $0.undeliverable.append(failure) }
        }
        return OutboxEncoding.deadLetter(
            undeliverable: message, reason: "\(type ?? "message") not published, Kafka refused it: \(error)",
            topics: topics, copyLimit: deadLetterCopyBytes, now: OrchestratorLoop.wallClock()
        )
    }

    private static func message(_ message: OutboxMessage) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: message.topic,
            partition: message.partition,
            key: message.key,
            value: message.value,
            headers: message.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        )
    }

    private let stopped = Atomic(false)

    /// Whether ``stop()`` was called: the shutdown gave up waiting for the relay.
    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Marks the relay as cut short by a shutdown; what it had not published stays in the outbox.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Waits until nothing is left to publish, `timeout` passed, or the task is cancelled.
    func drained(within timeout: Duration) async {
        await state.wait(until: { $0.machine.isDrained }, within: timeout)
    }

    /// Lets ``run()`` return once everything queued is published.
    func finish() {
        state.update { $0.machine.finish() }
        ring.yield()
        ring.finish()
    }
}
