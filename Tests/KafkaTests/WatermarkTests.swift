import Kafka
import KafkaTestKit
import SagaTestKit
import Testing

@Suite("Kafka consumer: watermarks", .timeLimit(.minutes(1)))
struct WatermarkTests {
    @Test("the high watermark is the next offset: assigned there, a consumer reads exactly what is produced after")
    func assignAtHighWatermark() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("marks")
            try await broker.createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let before = (0..<7).map { KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: "old-\($0)") }
            for result in await producer.send(before) { _ = try result.get() }

            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            let p1 = KafkaTopicPartition(topic: topic, partition: 1)
            let marks0 = try await consumer.watermarks(of: p0, timeout: .seconds(10))
            let marks1 = try await consumer.watermarks(of: p1, timeout: .seconds(10))
            #expect(marks0.low == 0 && marks0.high == 7)
            #expect(marks1.low == 0 && marks1.high == 0)

            try await consumer.assign([p0: KafkaOffset(marks0.high), p1: KafkaOffset(marks1.high)])
            let after = (0..<3).map { KafkaProducerMessage(topic: topic, partition: Int32($0 % 2), key: nil, value: "new-\($0)") }
            for result in await producer.send(after) { _ = try result.get() }
            let received = try await consume(consumer, count: 3)
            #expect(received.compactMap(\.valueString).sorted() == ["new-0", "new-1", "new-2"])
            #expect(received.filter { $0.partition == 0 }.map(\.offset) == [7, 8])
            await producer.shutdown()
        }
    }

    @Test("lag is the last known high watermark minus the position, without asking the broker")
    func lag() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("lag")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let messages = (0..<10).map { KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: "m-\($0)") }
            for result in await producer.send(messages) { _ = try result.get() }
            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            #expect(consumer.lag(of: [p0]).isEmpty, "not assigned: no position")
            try await consumer.assign([p0: KafkaOffset(0)])
            var read = 0
            let deadline = ContinuousClock.now + .seconds(20)
            while read < 4 && ContinuousClock.now < deadline {
                read += try await consumer.nextBatch(maxMessages: 4 - read, timeout: .milliseconds(100)).count
            }
            #expect(read == 4)
            // The lag comes from librdkafka's statistics, which tell no one: read until it is 6.
            let lag = try await poll("partition 0's lag to be 6", within: .seconds(30)) { consumer.lag(of: [p0])[p0] } until: { $0 == 6 }
            #expect(lag == 6)
            try await consumer.close()
            await producer.shutdown()
        }
    }

    @Test("lag of a subscribed consumer's partitions")
    func lagSubscribed() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("lagsub")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let messages = (0..<10).map { KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: "m-\($0)") }
            for result in await producer.send(messages) { _ = try result.get() }
            var configuration = broker.consumerConfiguration(groupID: uniqueName("g"))
            configuration.autoOffsetReset = .earliest
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            try consumer.subscribe(topics: [topic])
            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            var read = 0
            let deadline = ContinuousClock.now + .seconds(20)
            while read < 10 && ContinuousClock.now < deadline {
                read += try await consumer.nextBatch(maxMessages: 10 - read, timeout: .milliseconds(100)).count
            }
            #expect(read == 10)
            // The lag comes from librdkafka's statistics, which tell no one: read until it is 0.
            let lag = try await poll("partition 0's lag to be 0", within: .seconds(30)) { consumer.lag(of: [p0])[p0] } until: { $0 == 0 }
            #expect(lag == 0, "assignment: \(consumer.assignment)")
            try await consumer.close()
            await producer.shutdown()
        }
    }
}
