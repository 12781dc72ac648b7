import Kafka
import KafkaTestKit
import SagaTestKit
import Synchronization
import Testing

@Suite("Producer", .timeLimit(.minutes(1)))
struct ProducerTests {
    @Test("messages with one key keep their order on one partition")
    func perKeyOrder() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("order")
            try await broker.createTopic(topic, partitions: 4)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let keys = ["a", "b", "c", "d", "e"]
            let messages = (0..<500).map { i in
                KafkaProducerMessage(topic: topic, key: keys[i % keys.count], value: "\(i)")
            }
            let results = await producer.send(messages)
            #expect(results.allSatisfy { (try? $0.get()) != nil })

            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            try consumer.subscribe(topics: [topic])
            let received = try await consume(consumer, count: messages.count)
            #expect(received.count == messages.count)
            for key in keys {
                let values = received.filter { $0.keyString == key }.map { Int($0.valueString!)! }
                #expect(values == values.sorted(), "key \(key) out of order")
                #expect(values.count == 100)
                #expect(Set(received.filter { $0.keyString == key }.map(\.partition)).count == 1)
            }
            try await consumer.close()
            await producer.shutdown()
        }
    }

    @Test("a batch reports each message's own outcome")
    func batchOutcomes() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("batch")
            try await broker.createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            var messages = (0..<10).map { KafkaProducerMessage(topic: topic, partition: Int32($0 % 2), key: nil, value: "m\($0)") }
            messages.insert(KafkaProducerMessage(topic: topic, partition: 99, key: nil, value: "nowhere"), at: 5)
            let results = await producer.send(messages)
            #expect(results.count == 11)
            for (index, result) in results.enumerated() {
                switch result {
                case .success(let report):
                    #expect(index != 5)
                    #expect(report.partition == messages[index].partition)
                case .failure(let error):
                    #expect(index == 5)
                    #expect(error.rdKafkaCodeName == "_UNKNOWN_PARTITION", "\(error)")
                }
            }
            await producer.shutdown()
        }
    }

    @Test("a send to an unreachable broker fails within its bound with a clear error")
    func unreachableBroker() async throws {
        let (logger, logs) = capturedLogger(level: .debug)
        // Port 1 on loopback: nothing listens there.
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.messageTimeout = .seconds(2)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: "t", key: "k", value: "v"))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.isMessageTimeout == true, "\(String(describing: error))")
        #expect(error?.isRetriable == true)
        #expect(error?.isFatal == false)
        // Not before the message timeout; the upper bound catches a hang, not slowness (the whole
        // suite runs in parallel on two cores).
        #expect(elapsed >= .milliseconds(1500) && elapsed < .seconds(30), "took \(elapsed)")
        // librdkafka's own logs reached swift-log, at debug level (their own level kept as
        // metadata), so a person sees them only when asking for debug logs.
        let rdkafkaLines = logs.entries.filter { $0.metadata["rdkafka.facility"] != nil }
        #expect(rdkafkaLines.contains { "\($0.message)".contains("127.0.0.1:1") && $0.metadata["rdkafka.level"] == "error" })
        #expect(!rdkafkaLines.isEmpty && rdkafkaLines.allSatisfy { $0.level == .debug })
        await producer.shutdown(flushTimeout: .seconds(1))
    }

    @Test("a fatal producer error is surfaced, not swallowed")
    func fatalErrorSurfaced() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("fatal")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "before"))
            #expect(producer.fatalError == nil)
            producer._raiseFatalErrorForTesting(reason: "injected by test")
            // Raised on librdkafka's thread, which tells no one: read until it is there.
            let raised = try await poll("the injected fatal error to surface", within: .seconds(30)) { producer.fatalError } until: { $0 != nil }
            let fatal = try #require(raised)
            #expect(fatal.isFatal)
            #expect(fatal.message.contains("injected by test"))
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "after"))
            }
            #expect(error?.isFatal == true)
            await producer.shutdown(flushTimeout: .seconds(1))
        }
    }

    @Test("sends after shutdown fail with a shut-down error")
    func sendAfterShutdown() async throws {
        try await withBroker { broker, logger in
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            await producer.shutdown()
            await producer.shutdown()
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(KafkaProducerMessage(topic: "t", key: "k", value: "v"))
            }
            #expect(error?.isShutDown == true)
            await #expect(throws: KafkaError.self) { try await producer.flush(timeout: .seconds(1)) }
        }
    }
}
