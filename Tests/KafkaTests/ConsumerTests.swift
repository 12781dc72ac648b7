import Kafka
import KafkaTestKit
import Testing

@Suite("Consumer", .timeLimit(.minutes(1)))
struct ConsumerTests {
    @Test("newly assigned partitions start at the offsets the owner supplies")
    func seekToSuppliedOffsets() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("seek")
            try await broker.createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let messages = (0..<20).map { KafkaProducerMessage(topic: topic, partition: Int32($0 % 2), key: nil, value: "\($0)") }
            for result in await producer.send(messages) { _ = try result.get() }

            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            let p1 = KafkaTopicPartition(topic: topic, partition: 1)
            let assigned = Shared<[KafkaTopicPartition]>([])
            let handler = KafkaRebalanceHandler(onAssign: { partitions in
                assigned.update { $0 += partitions }
                return [p0: KafkaOffset(7), p1: KafkaOffset(3)]
            })
            let consumer = try KafkaConsumer(
                configuration: broker.consumerConfiguration(groupID: uniqueName("g")), rebalanceHandler: handler, logger: logger)
            try consumer.subscribe(topics: [topic])
            let received = try await consume(consumer, count: 10)
            #expect(Set(assigned.value) == [p0, p1])
            #expect(consumer.assignment == [p0, p1])
            #expect(received.count == 10)
            #expect(received.filter { $0.partition == 0 }.map(\.offset) == Array(7...9))
            #expect(received.filter { $0.partition == 1 }.map(\.offset) == Array(3...9))
            // Nothing more than what the offsets allow.
            let extra = try await consumer.nextBatch(maxMessages: 10, timeout: .milliseconds(300))
            #expect(extra.isEmpty)
            try await consumer.close()
            await producer.shutdown()
        }
    }

    @Test("a committed offset is the next to read: the group resumes right after it")
    func commitIsOffsetPlusOne() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("commit")
            let group = uniqueName("g")
            try await broker.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            for result in await producer.send((0..<10).map { KafkaProducerMessage(topic: topic, key: nil, value: "\($0)") }) {
                _ = try result.get()
            }
            let first = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: group), logger: logger)
            try first.subscribe(topics: [topic])
            let batch = try await consume(first, count: 10)
            try #require(batch.count == 10)
            let tp = KafkaTopicPartition(topic: topic, partition: 0)
            // Processed up to offset 3: store then commit what was stored.
            try first.storeOffset(after: batch[3])
            try await first.commitStoredOffsets()
            #expect(try await first.committedOffsets(for: [tp], timeout: .seconds(5)) == [tp: KafkaOffset(4)])
            // Processed up to offset 5: commit directly.
            try await first.commit(after: batch[5])
            #expect(try await first.committedOffsets(for: [tp], timeout: .seconds(5)) == [tp: KafkaOffset(6)])
            try await first.close()
            await #expect(throws: KafkaError.self) { try await first.nextBatch(maxMessages: 1, timeout: .zero) }

            // Another consumer of the group starts from the group's committed offset. (Assigned
            // rather than subscribed: group joins on the mock take seconds; the takeover test
            // covers resuming through a rebalance.)
            let second = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: group), logger: logger)
            try await second.assign([tp: .committed])
            let rest = try await consume(second, count: 4)
            #expect(rest.map(\.offset) == [6, 7, 8, 9])
            try await second.close()
            await producer.shutdown()
        }
    }

    @Test("a paused partition delivers nothing until resumed; the others keep flowing")
    func pauseAndResume() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("pause")
            try await broker.createTopic(topic, partitions: 2)
            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            try consumer.subscribe(topics: [topic])
            try await poll(consumer, until: { consumer.assignment.count == 2 })
            try #require(consumer.assignment.count == 2)

            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            try consumer.pause([p0])
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let messages = (0..<10).map { KafkaProducerMessage(topic: topic, partition: Int32($0 % 2), key: nil, value: "\($0)") }
            for result in await producer.send(messages) { _ = try result.get() }

            var seen = try await consume(consumer, count: 5, within: .seconds(10))
            seen += try await consume(consumer, count: 5, within: .milliseconds(800))
            #expect(seen.count == 5)
            #expect(seen.allSatisfy { $0.partition == 1 })

            try consumer.resume([p0])
            let resumed = try await consume(consumer, count: 5, within: .seconds(10))
            #expect(resumed.count == 5)
            #expect(resumed.allSatisfy { $0.partition == 0 })
            try await consumer.close()
            await producer.shutdown()
        }
    }

    @Test("two members split the partitions; one takes all over when the other leaves")
    func groupSplitAndTakeover() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("group")
            let group = uniqueName("g")
            try await broker.createTopic(topic, partitions: 4)
            let revokedFromSecond = Shared<[KafkaTopicPartition]>([])
            let first = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: group), logger: logger)
            let second = try KafkaConsumer(
                configuration: broker.consumerConfiguration(groupID: group),
                rebalanceHandler: KafkaRebalanceHandler(onRevoke: { partitions, _ in revokedFromSecond.update { $0 += partitions } }),
                logger: logger)
            try first.subscribe(topics: [topic])
            try await poll(first, until: { first.assignment.count == 4 })
            try #require(first.assignment.count == 4)

            try second.subscribe(topics: [topic])
            let split: @Sendable () -> Bool = { first.assignment.count == 2 && second.assignment.count == 2 }
            async let polledFirst = poll(first, until: split)
            async let polledSecond = poll(second, until: split)
            _ = try await (polledFirst, polledSecond)
            #expect(first.assignment.count == 2)
            #expect(second.assignment.count == 2)
            #expect(first.assignment.isDisjoint(with: second.assignment))
            let secondPartitions = second.assignment

            // Messages on every partition reach the member that owns it.
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            for result in await producer.send((0..<8).map { KafkaProducerMessage(topic: topic, partition: Int32($0 % 4), key: nil, value: "a\($0)") }) {
                _ = try result.get()
            }
            async let gotFirst = consume(first, count: 4)
            async let gotSecond = consume(second, count: 4)
            let (messagesFirst, messagesSecond) = try await (gotFirst, gotSecond)
            #expect(messagesFirst.count == 4 && messagesSecond.count == 4)
            #expect(messagesSecond.allSatisfy { secondPartitions.contains($0.topicPartition) })
            // Both record their progress, so a takeover resumes after it.
            for (consumer, messages) in [(first, messagesFirst), (second, messagesSecond)] {
                var next: [KafkaTopicPartition: KafkaOffset] = [:]
                for message in messages { next[message.topicPartition] = message.nextOffset }
                try await consumer.commit(next)
            }

            // The second member leaves: the first takes its partitions over.
            try await second.close()
            #expect(Set(revokedFromSecond.value) == secondPartitions)
            try await poll(first, until: { first.assignment.count == 4 })
            #expect(first.assignment.count == 4)
            for result in await producer.send((0..<4).map { KafkaProducerMessage(topic: topic, partition: Int32($0), key: nil, value: "b\($0)") }) {
                _ = try result.get()
            }
            let afterTakeover = try await consume(first, count: 4)
            #expect(afterTakeover.allSatisfy { $0.valueString?.hasPrefix("b") == true }, "re-read committed messages")
            #expect(Set(afterTakeover.map(\.partition)) == [0, 1, 2, 3])
            try await first.close()
            await producer.shutdown()
        }
    }
}

@Suite("Consumer errors", .timeLimit(.minutes(1)))
struct ConsumerErrorTests {
    @Test("a non-retriable consumer error is thrown from the poll with the broker's code")
    func nonRetriableErrorThrown() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("denied")
            try await broker.createTopic(topic, partitions: 1)
            try await broker.setTopicError(topic, error: MockErrorCode.topicAuthorizationFailed)
            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(groupID: uniqueName("g")), logger: logger)
            try consumer.subscribe(topics: [topic])
            var thrown: KafkaError?
            let deadline = ContinuousClock.now + .seconds(15)
            while thrown == nil, ContinuousClock.now < deadline {
                do throws(KafkaError) {
                    _ = try await consumer.nextBatch(maxMessages: 10, timeout: .milliseconds(100))
                } catch {
                    thrown = error
                }
            }
            let error = try #require(thrown)
            #expect(error.rdKafkaCode == MockErrorCode.topicAuthorizationFailed, "\(error)")
            #expect(!error.isRetriable)
            #expect(!error.message.isEmpty)
            try await consumer.close()
        }
    }
}
