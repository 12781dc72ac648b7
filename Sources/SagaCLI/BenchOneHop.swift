import Histogram
import Kafka
import KafkaTestKit
import Logging

/// The broker's one-hop latency: a message sent, until a consumer's poll returns it, one at a
/// time, with the same client settings the saga path uses.
struct BenchOneHop {
    struct Result {
        var p50: Double
        var p99: Double
    }

    let broker: EmbeddedKafkaBroker
    let logger: Logger

    func measure(topic: String, samples: Int) async throws -> Result {
        try await broker.createTopic(topic, partitions: 1)
        var producerConfiguration = broker.producerConfiguration()
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = broker.consumerConfiguration(groupID: "bench-hop")
        consumerConfiguration.fetchWaitMax = .milliseconds(5)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        try consumer.subscribe(topics: [topic])
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
        let warmUp = 20
        for i in 0..<(samples + warmUp) {
            let start = ContinuousClock.now
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k\(i)", value: String(repeating: "x", count: 100)))
            let deadline = start + .seconds(30)
            while try await consumer.nextBatch(maxMessages: 1, timeout: .milliseconds(50)).isEmpty {
                guard ContinuousClock.now < deadline else { throw BenchSagasError("one hop: message \(i) not consumed within 30 s") }
            }
            if i >= warmUp {
                let (s, atto) = (ContinuousClock.now - start).components
                _ = histogram.record(UInt64(s * 1_000_000 + atto / 1_000_000_000_000))
            }
        }
        try await consumer.close()
        await producer.shutdown()
        return Result(p50: Double(histogram.valueAtPercentile(50)) / 1000, p99: Double(histogram.valueAtPercentile(99)) / 1000)
    }
}
