import Kafka
import KafkaTestKit
import Testing

@Suite("Admin", .timeLimit(.minutes(1)))
struct AdminTests {
    @Test("a topic's partitions are read from the metadata")
    func partitions() async throws {
        try await withBroker(brokers: 3) { broker, logger in
            let topic = uniqueName("admin")
            try await broker.createTopic(topic, partitions: 5)
            let admin = try KafkaAdminClient(configuration: KafkaAdminConfiguration(bootstrapServers: [broker.bootstrapServers]), logger: logger)
            let partitions = try await admin.partitions(of: topic, timeout: .seconds(5))
            #expect(partitions.map(\.partition) == [0, 1, 2, 3, 4])
            #expect(partitions.allSatisfy { (1...3).contains($0.leader) })
        }
    }

    @Test("CreateTopics against the mock, which lacks it, fails with a clear error")
    func createTopicsUnsupportedOnMock() async throws {
        try await withBroker { broker, logger in
            let admin = try KafkaAdminClient(configuration: KafkaAdminConfiguration(bootstrapServers: [broker.bootstrapServers]), logger: logger)
            let error = await #expect(throws: KafkaError.self) {
                try await admin.createTopics([KafkaNewTopic(name: uniqueName("new"), partitionCount: 3, configs: ["cleanup.policy": "compact"])],
                                             timeout: .seconds(3))
            }
            #expect(error?.message.isEmpty == false)
        }
    }

    @Test("the embedded broker refuses a topic that exists")
    func duplicateTopic() async throws {
        try await withBroker { broker, _ in
            let topic = uniqueName("dup")
            try await broker.createTopic(topic, partitions: 1)
            await #expect(throws: KafkaError.self) { try await broker.createTopic(topic, partitions: 1) }
        }
    }
}
