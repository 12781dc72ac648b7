import Kafka
import KafkaTestKit
import Logging
import SagaCore

/// Reads the whole progress topic again with a fresh consumer, from the beginning to the high
/// watermark of each partition: when a saga's events have a gap, this tells whether the event is
/// missing from the topic (lost on the way in) or the run's reader skipped it.
enum ChaosProgressReread {
    /// Whether a saga whose events the run's reader saw with a gap is whole on the topic: the
    /// topic holds 1...n, everything the reader saw among them, and the reader saw no two
    /// different events under one number.
    static func onlyTheReaderMissed(seen: Set<Int64>, onTopic: Set<Int64>, conflicting: Bool) -> Bool {
        !conflicting && !onTopic.isEmpty && onTopic.sorted() == Array(1...Int64(onTopic.count)) && seen.isSubset(of: onTopic)
    }

    /// The sequences on the topic of each of `sagaIDs`.
    static func sequences(of sagaIDs: Set<String>, broker: EmbeddedKafkaBroker, topic: String, partitions: Int32, logger: Logger) async throws -> [String: Set<Int64>] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: "chaos-reread-\(UInt32.random(in: 0...UInt32.max))"), logger: logger)
        var ends: [Int32: Int64] = [:]
        for partition in 0..<partitions {
            ends[partition] = try await consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10)).high
        }
        try await consumer.assign(Dictionary(uniqueKeysWithValues: (0..<partitions).map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
        var found: [String: Set<Int64>] = [:]
        var reached: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ends.contains(where: { (reached[$0.key] ?? -1) + 1 < $0.value }) && ContinuousClock.now < deadline {
            for message in try await consumer.nextBatch(maxMessages: 5000, timeout: .milliseconds(100)) {
                reached[message.partition] = max(reached[message.partition] ?? -1, message.offset)
                guard let value = message.value, case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value),
                      sagaIDs.contains(event.sagaId) else { continue }
                found[event.sagaId, default: []].insert(event.sequence)
            }
        }
        try? await consumer.close()
        return found
    }
}
