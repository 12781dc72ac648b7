import Kafka
import Logging
import SagaConcurrency
import SagaCore
import SagaRuntime
import Synchronization

/// Reads the progress topic and keeps every event, for tests and benchmarks that wait for
/// sagas to finish.
///
/// It reads every partition from its beginning by manual assignment, not as a member of a
/// consumer group: a group member on a busy machine can miss its session and rejoin, and
/// librdkafka 2.0.2's batch consume may then skip or repeat a stretch of a partition (fixed in
/// 2.1.0), which a test would read as events lost or out of order.
public final class ProgressCollector: Sendable {
    private struct State: Sendable {
        var events: [String: [ProgressEvent]] = [:]
        var terminal: [String: (status: SagaStatus, receivedAt: ContinuousClock.Instant)] = [:]
        var total = 0
    }

    /// Its consumer until ``run()`` ends; released then, so it does not outlive a broker that
    /// stops after the collector (a client left behind keeps reconnecting and logs errors).
    private let consumer: Mutex<KafkaConsumer?>
    /// Waited on by ``waitForTerminal(_:timeout:)`` and ``waitForEvent(of:timeout:where:)``:
    /// each batch read wakes them, no polling.
    private let state = Watched(State())
    private let logger: Logger
    private let keepEvents: Bool
    private let topic: String

    /// - Parameters:
    ///   - consumer: a consumer configuration (its group id is not joined).
    ///   - topic: the progress topic.
    ///   - keepEvents: whether every event is kept (default), or only each saga's terminal state
    ///     (for benchmarks with many sagas).
    ///   - expectedSagas: how many sagas to make room for up front, so a benchmark's run is not
    ///     held up while the record of terminal states grows.
    public init(
        consumer: KafkaConsumerConfiguration, topic: String, keepEvents: Bool = true,
        logger: Logger = Logger(label: "saga.progress-collector"), expectedSagas: Int = 0
    ) throws {
        self.consumer = Mutex(try KafkaConsumer(configuration: consumer, logger: logger))
        self.topic = topic
        self.logger = logger
        self.keepEvents = keepEvents
        state.update { $0.terminal.reserveCapacity(expectedSagas) }
    }

    /// Whether it was given the topic's partitions.
    public var isReady: Bool { consumer.withLock { $0.map { !$0.assignment.isEmpty } ?? false } }

    /// Whether ``run()`` has assigned the topic's partitions: set once it has, so
    /// ``waitUntilReady(within:)`` is woken, not polling.
    private let assigned = Watched(false)

    /// Returns once ``run()`` has assigned itself the topic's partitions.
    /// - Parameter timeout: The bound.
    /// - Throws: ``WaitTimedOut`` when it has none then.
    public func waitUntilReady(within timeout: Duration) async throws {
        try await assigned.wait(for: "the progress collector to have partitions", within: timeout) { $0 }
    }

    /// Assigns itself every partition of the topic from its beginning (once the topic exists),
    /// then collects until the task is cancelled, and releases its consumer: it runs once.
    /// - Throws: a fatal ``KafkaError``, or a shut-down error when it ran before.
    public func run() async throws {
        guard let consumer = consumer.withLock({ $0 }) else { throw KafkaError.shutDown("the progress collector ran already") }
        defer { self.consumer.withLock { $0 = nil } }
        // The topic may be created a moment after the collector starts (by the orchestrator).
        while !Task.isCancelled {
            let partitions = (try? await consumer.partitions(of: topic, timeout: .seconds(2))) ?? []
            if !partitions.isEmpty {
                try await consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map {
                    (KafkaTopicPartition(topic: topic, partition: $0.partition), KafkaOffset.beginning)
                }))
                assigned.update { $0 = true }
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        while !Task.isCancelled {
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.nextBatch(maxMessages: 5000, timeout: .milliseconds(20))
            } catch {
                if error.isFatal { throw error }
                continue
            }
            let now = ContinuousClock.now
            let keepEvents = self.keepEvents
            var skipped = 0
            let events = batch.compactMap { message -> ProgressEvent? in
                guard let value = message.value else { return nil }
                // Without events to keep, only terminal ones matter: the status header tells
                // which without parsing the value.
                if !keepEvents, let status = message.header(SagaHeaders.sagaStatus)?.value,
                   SagaStatus(rawValue: String(decoding: status, as: UTF8.self))?.isTerminal == false {
                    skipped += 1
                    return nil
                }
                return try? SagaMessageCodec.decode(ProgressEvent.self, from: value).get()
            }
            if events.isEmpty && skipped == 0 { continue }
            state.update { state in
                state.total += skipped
                for event in events {
                    if keepEvents { state.events[event.sagaId, default: []].append(event) }
                    state.total += 1
                    if event.state.isTerminal && state.terminal[event.sagaId] == nil {
                        state.terminal[event.sagaId] = (event.state, now)
                    }
                }
            }
        }
        try? await consumer.close()
    }

    /// The events of one saga, in the order received (duplicates included: the relay publishes
    /// at least once).
    public func events(of sagaID: String) -> [ProgressEvent] {
        state.read { $0.events[sagaID] ?? [] }
    }

    /// The events of one saga as a reader should take them: ordered by `sequence`, each sequence
    /// once (a copy, such as one a fenced instance had already handed to its producer, is dropped).
    public func orderedEvents(of sagaID: String) -> [ProgressEvent] {
        var seen = Set<Int64>()
        return events(of: sagaID).sorted { $0.sequence < $1.sequence }.filter { seen.insert($0.sequence).inserted }
    }

    /// How many events arrived, copies included.
    public var eventCount: Int { state.read { $0.total } }

    /// How many sagas reached a terminal state.
    public var terminalCount: Int { state.read { $0.terminal.count } }

    /// Every saga's events.
    public var allEvents: [String: [ProgressEvent]] { state.read { $0.events } }

    /// The terminal state of each saga that reached one, with when its event arrived.
    public var terminal: [String: (status: SagaStatus, receivedAt: ContinuousClock.Instant)] {
        state.read { $0.terminal }
    }

    /// Waits until `sagaIDs` all reached a terminal state, or `timeout` passed.
    /// - Returns: the terminal state of each saga that reached one.
    public func waitForTerminal(_ sagaIDs: some Collection<String>, timeout: Duration) async -> [String: SagaStatus] {
        let ids = Set(sagaIDs)
        await state.wait(until: { state in
            state.terminal.count >= ids.count && ids.allSatisfy { state.terminal[$0] != nil }
        }, within: timeout)
        return state.read { state in
            var found: [String: SagaStatus] = [:]
            for id in ids { if let t = state.terminal[id] { found[id] = t.status } }
            return found
        }
    }

    /// Waits until `sagaID` has an event matching `predicate`, or `timeout` passed.
    public func waitForEvent(
        of sagaID: String, timeout: Duration, where predicate: @escaping @Sendable (ProgressEvent) -> Bool
    ) async -> ProgressEvent? {
        await state.wait(until: { $0.events[sagaID]?.contains(where: predicate) == true }, within: timeout)
        return events(of: sagaID).first(where: predicate)
    }
}
