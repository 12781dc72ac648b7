import Kafka
import KafkaTestKit
import Testing

@Suite("Admin: consumer groups", .timeLimit(.minutes(2)))
struct ConsumerGroupAdminTests {
    @Test("a group's committed offsets are read through ListConsumerGroupOffsets, which the embedded broker answers")
    func committedOffsets() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("offsets")
            try await broker.createTopic(topic, partitions: 3)
            let group = uniqueName("readers")
            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: group), logger: logger)
            try await consumer.commit([
                KafkaTopicPartition(topic: topic, partition: 0): KafkaOffset(3), KafkaTopicPartition(topic: topic, partition: 2): KafkaOffset(7),
            ])
            try await consumer.close()
            let admin = try KafkaAdminClient(configuration: KafkaAdminConfiguration(bootstrapServers: [broker.bootstrapServers]), logger: logger)
            let partitions = (0..<3).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
            let committed = try await admin.committedOffsets(group: group, partitions: partitions, timeout: .seconds(5))
            // Partition 1 has no committed offset: it is left out.
            #expect(committed == [partitions[0]: 3, partitions[2]: 7])
            #expect(try await admin.committedOffsets(group: uniqueName("nobody"), partitions: partitions, timeout: .seconds(5)).isEmpty)
            #expect(try await admin.committedOffsets(group: group, partitions: [], timeout: .seconds(5)).isEmpty)
        }
    }

    @Test("ListConsumerGroups against librdkafka 2.0.2's mock, which has no ListGroups, fails at once with _UNSUPPORTED_FEATURE")
    func listGroupsUnsupportedOnMock() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("listed")
            try await broker.createTopic(topic, partitions: 1)
            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("listed")), logger: logger)
            try await consumer.commit([KafkaTopicPartition(topic: topic, partition: 0): KafkaOffset(1)])
            try await consumer.close()
            let admin = try KafkaAdminClient(configuration: KafkaAdminConfiguration(bootstrapServers: [broker.bootstrapServers]), logger: logger)
            let started = ContinuousClock.now
            let error = await #expect(throws: KafkaError.self) { try await admin.listConsumerGroups(timeout: .seconds(2)) }
            #expect(ContinuousClock.now - started < .seconds(10))
            // Seen here: librdkafka refuses it locally, the broker not advertising ListGroups.
            #expect(error?.rdKafkaCodeName == "_UNSUPPORTED_FEATURE", "\(error.map { "\($0)" } ?? "no error")")
        }
    }
}
