import Kafka
import KafkaTestKit
import Logging

/// Throughput runs of our wrapper.
struct BenchKafkaWrapper {
    let broker: EmbeddedKafkaBroker
    let logger: Logger

    /// Chunks handed to the producer at once, and how many may be in flight.
    private let chunk = 20_000
    private let inFlight = 4

    /// Produces `count` keyed messages of `size` bytes and waits for every acknowledgement.
    func produce(topic: String, count: Int, size: Int) async throws -> BenchKafkaResult {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
        let value = BenchKafkaPayload.value(size: size)
        // Keyed like the kcat run (key = index), so murmur2 spreads them evenly over the
        // partitions; every message shares the value's storage, so building them copies no payload.
        let chunks = stride(from: 0, to: count, by: chunk).map { first in
            (first..<min(first + chunk, count)).map { i in
                KafkaProducerMessage(topic: topic, key: Array(String(i).utf8), value: value)
            }
        }
        let start = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            var failures = 0
            var running = 0
            for messages in chunks {
                if running == inFlight {
                    failures += try await group.next() ?? 0
                    running -= 1
                }
                group.addTask {
                    await producer.send(messages).failureCount
                }
                running += 1
            }
            for try await f in group { failures += f }
            return failures
        }
        let duration = ContinuousClock.now - start
        await producer.shutdown()
        if failures > 0 { throw BenchError("\(failures) of \(count) messages were not delivered") }
        return BenchKafkaResult(messages: count, bytes: count * size, duration: duration)
    }

    /// Reads `count` messages from the beginning of every partition of `topic`.
    func consume(topic: String, partitions: Int32, count: Int) async throws -> BenchKafkaResult {
        var configuration = broker.consumerConfiguration(groupID: "bench-\(topic)")
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for p in 0..<partitions { assignment[KafkaTopicPartition(topic: topic, partition: p)] = .beginning }
        let start = ContinuousClock.now
        try await consumer.assign(assignment)
        var received = 0
        var bytes = 0
        var batches = 0
        var firstMessage = Duration.zero
        let deadline = start + .seconds(120)
        while received < count {
            guard ContinuousClock.now < deadline else {
                throw BenchError("wrapper consumer: \(received) of \(count) messages after 120 s")
            }
            let batch = try await consumer.nextBatch(maxMessages: 10_000, timeout: .milliseconds(100))
            if received == 0 && !batch.isEmpty { firstMessage = ContinuousClock.now - start }
            batches += 1
            received += batch.count
            for message in batch { bytes += message.value?.count ?? 0 }
        }
        let duration = ContinuousClock.now - start
        logger.debug("wrapper consumer: first message after \(firstMessage), \(batches) batches, total \(duration)")
        try await consumer.close()
        return BenchKafkaResult(messages: received, bytes: bytes, duration: duration)
    }
}

/// Printable payloads with no newline, so kcat's line-based input carries the same bytes.
enum BenchKafkaPayload {
    static func value(size: Int) -> [UInt8] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        return (0..<size).map { alphabet[$0 % alphabet.count] }
    }
}

/// A benchmark run that could not complete.
/// A benchmark that could not finish.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
