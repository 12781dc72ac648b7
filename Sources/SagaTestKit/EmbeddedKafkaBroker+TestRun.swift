import Kafka
import KafkaTestKit
import Logging

extension EmbeddedKafkaBroker {
    /// A broker with `topics` made (name and partitions); shut down again when a topic cannot be made.
    static func withTopics(_ topics: [(name: String, partitions: Int32)], logger: Logger) async throws -> EmbeddedKafkaBroker {
        let broker = try EmbeddedKafkaBroker(logger: logger)
        do {
            for topic in topics { try await broker.createTopic(topic.name, partitions: topic.partitions) }
            return broker
        } catch {
            await broker.shutdown()
            throw error
        }
    }

    /// Reads every partition of `topic` from the beginning until `count` messages arrived or
    /// `timeout` passed, with a consumer assigned (not in a group), and returns what it read.
    func read(topic: String, count: Int, timeout: Duration, logger: Logger) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(groupID: "reader-\(topic)"), logger: logger)
        let partitions = try await consumer.partitions(of: topic, timeout: .seconds(30))
        try await consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map {
            (KafkaTopicPartition(topic: topic, partition: $0.partition), KafkaOffset.beginning)
        }))
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        // Each batch waits for messages to arrive (up to 50 ms): no sleeping between reads.
        while messages.count < count && ContinuousClock.now < deadline {
            messages += try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(50))
        }
        try? await consumer.close()
        return messages
    }
}
