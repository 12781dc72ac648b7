import Kafka
import KafkaTestKit
import Testing

@Suite("Produce and consume", .timeLimit(.minutes(1)))
struct RoundTripTests {
    @Test("a message with headers and a tombstone come back as sent")
    func roundTripWithHeadersAndTombstone() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("round-trip")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let headers = [KafkaHeader(name: "type", value: "start"), KafkaHeader(name: "empty", value: nil as [UInt8]?),
                           KafkaHeader(name: "type", value: "again")]
            let first = try await producer.send(
                KafkaProducerMessage(topic: topic, key: "saga-1", value: "hello", headers: headers))
            let second = try await producer.send(KafkaProducerMessage(topic: topic, key: "saga-1", value: nil as String?))
            let third = try await producer.send(KafkaProducerMessage(topic: topic, key: nil as String?, value: ""))
            #expect(first.topic == topic)
            #expect(first.partition == 0)
            #expect(second.offset == first.offset + 1)
            #expect(third.offset == second.offset + 1)

            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            try consumer.subscribe(topics: [topic])
            let messages = try await consume(consumer, count: 3)
            try #require(messages.count == 3)
            #expect(messages[0].keyString == "saga-1")
            #expect(messages[0].valueString == "hello")
            #expect(messages[0].headers == headers)
            #expect(messages[0].header("type")?.stringValue == "start")
            #expect(messages[0].offset == first.offset)
            #expect(messages[0].timestamp != nil)
            #expect(messages[1].isTombstone)
            #expect(messages[1].keyString == "saga-1")
            #expect(messages[2].key == nil)
            #expect(messages[2].value == [])
            #expect(!messages[2].isTombstone)
            try await consumer.close()
            await producer.shutdown()
        }
    }
}
