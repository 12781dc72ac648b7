import Kafka
import KafkaTestKit
import Synchronization
import Testing

@Suite("Fault injection", .timeLimit(.minutes(1)))
struct FaultInjectionTests {
    @Test("sends made during a broker outage are delivered once it is back")
    func recoveryAfterOutage() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("outage")
            try await broker.createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "before"))

            try await broker.setBrokerDown(1)
            let delivered = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let results = await producer.send((0..<20).map {
                        KafkaProducerMessage(topic: topic, key: "k\($0)", value: "during")
                    })
                    for result in results { _ = try result.get() }
                    delivered.set()
                }
                // The subject is time passing: nothing is delivered while the broker is down.
                try await Task.sleep(for: .seconds(1))
                let early = delivered.isSet
                #expect(!early, "delivered while the broker was down")
                try await broker.setBrokerUp(1)
                try await group.waitForAll()
            }
            let done = delivered.isSet
            #expect(done)

            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            try consumer.subscribe(topics: [topic])
            let messages = try await consume(consumer, count: 21)
            #expect(messages.count == 21)
            #expect(messages.filter { $0.valueString == "during" }.count == 20)
            try await consumer.close()
            await producer.shutdown()
        }
    }

    @Test("retriable produce errors are retried; the messages arrive once each, in order")
    func retriableProduceErrors() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("retry")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "warm-up"))
            try await broker.pushRequestErrors(.produce, errors: [MockErrorCode.notEnoughReplicas, MockErrorCode.requestTimedOut])
            let reports = try await (0..<5).asyncMap { i in
                try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "v\(i)"))
            }
            #expect(reports.map(\.offset) == Array(1...5))
            await producer.shutdown()
        }
    }

    @Test("a non-retriable produce error fails the send with the broker's code")
    func nonRetriableProduceError() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("denied")
            try await broker.createTopic(topic, partitions: 1)
            var configuration = broker.producerConfiguration()
            configuration.enableIdempotence = false
            configuration.acks = .leader
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "warm-up"))
            try await broker.pushRequestErrors(.produce, errors: [MockErrorCode.topicAuthorizationFailed])
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "denied"))
            }
            #expect(error?.rdKafkaCode == MockErrorCode.topicAuthorizationFailed)
            #expect(error?.isRetriable == false)
            await producer.shutdown()
        }
    }

    @Test("added latency shows in the round trip")
    func addedLatency() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("rtt")
            try await broker.createTopic(topic, partitions: 1)
            var configuration = broker.producerConfiguration()
            configuration.linger = .zero
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "warm-up"))
            try await broker.setRoundTripTime(broker: 1, .milliseconds(300))
            let start = ContinuousClock.now
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "slow"))
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            try await broker.setRoundTripTime(broker: 1, .zero)
            await producer.shutdown()
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
