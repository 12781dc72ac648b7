import Foundation
import Kafka
import Logging
import SagaCore
import Synchronization

/// Reads the progress topic — and, when asked, the dead-letter topic — and hands out each
/// saga's events once, in sequence order.
final class ProgressFeed: Sendable {
    /// One message read.
    enum Item: Sendable {
        /// A progress event, with the bytes it was published as.
        case progress(ProgressEvent, published: [UInt8])
        /// A dead letter: a message the orchestrator could not use.
        case deadLetter(DeadLetter)
    }

    private let consumer: KafkaConsumer
    private let deadLetterTopic: String?
    private let gate = Mutex(SequenceGate())

    /// Joins a consumer group of its own on the progress topic (for `saga dev`, whose broker
    /// starts empty: a new group reads from the oldest event).
    init(subscribing configuration: KafkaConsumerConfiguration, topic: String, logger: Logger) throws {
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        deadLetterTopic = nil
        try consumer.subscribe(topics: [topic])
    }

    /// Reads every partition of the progress topic (and of the dead-letter topic when
    /// `deadLetters`), without a consumer group.
    /// - Parameters:
    ///   - fromBeginning: from the oldest message the broker keeps; otherwise from the high
    ///     watermarks: exactly what is published after this returns, so a command sent next
    ///     cannot have its events missed.
    /// - Throws: ``OperatorFailure`` when the cluster does not answer or a topic is missing.
    init(cluster: ClusterSettings, deadLetters: Bool, fromBeginning: Bool) async throws {
        consumer = try KafkaConsumer(configuration: cluster.consumer, logger: cluster.logger)
        deadLetterTopic = deadLetters ? cluster.topics.deadLetters : nil
        var start: [KafkaTopicPartition: KafkaOffset] = [:]
        for topic in [cluster.topics.progress] + (deadLetters ? [cluster.topics.deadLetters] : []) {
            do {
                for metadata in try await consumer.partitions(of: topic, timeout: cluster.connectTimeout) {
                    let partition = KafkaTopicPartition(topic: topic, partition: metadata.partition)
                    start[partition] = fromBeginning
                        ? .beginning
                        : KafkaOffset(try await consumer.watermarks(of: partition, timeout: cluster.connectTimeout).high)
                }
            } catch {
                throw cluster.failure(error, topic: topic)
            }
        }
        do {
            try await consumer.assign(start)
        } catch {
            throw cluster.failure(error, topic: cluster.topics.progress)
        }
    }

    /// Waits up to `timeout` for messages and returns what arrived, copies of events already
    /// handed out left out. Messages that are not events or dead letters are skipped.
    /// - Throws: ``KafkaError`` for an error the consumer cannot go on from.
    func next(timeout: Duration = .milliseconds(100)) async throws(KafkaError) -> [Item] {
        let batch = try await consumer.nextBatch(maxMessages: 500, timeout: timeout)
        var items: [Item] = []
        for message in batch {
            guard let value = message.value else { continue }
            if message.topic == deadLetterTopic {
                if case .success(let letter) = SagaMessageCodec.decode(DeadLetter.self, from: value) { items.append(.deadLetter(letter)) }
            } else if case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value),
                gate.withLock({ $0.admit(event) }) {
                items.append(.progress(event, published: value))
            }
        }
        return items
    }

    /// Stops reading.
    func close() async {
        try? await consumer.close()
    }
}

/// Lets each saga's events through once, in sequence order: the outbox relay publishes at
/// least once, so an event with a sequence already seen is a copy.
struct SequenceGate {
    private var last: [String: (sequence: Int64, ended: Bool)] = [:]
    /// Past this many sagas, those that ended are forgotten (a copy of their events arriving
    /// after that would be let through again).
    private let bound = 100_000

    mutating func admit(_ event: ProgressEvent) -> Bool {
        if let seen = last[event.sagaId], event.sequence <= seen.sequence { return false }
        last[event.sagaId] = (event.sequence, event.state.isTerminal)
        if last.count > bound { last = last.filter { !$0.value.ended } }
        return true
    }
}
