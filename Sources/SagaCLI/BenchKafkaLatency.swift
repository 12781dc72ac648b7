import Histogram
import Kafka
import KafkaTestKit
import Logging

/// One-hop latency at low load: from the call to `send` to the message coming out of the
/// consumer's poll, one message at a time. `saga bench kafka` measures the wrapper's best case
/// (linger 0, `fetch.wait.max.ms=1`); `saga bench` measures with the saga path's settings.
struct BenchKafkaLatency {
    struct Result {
        /// Milliseconds.
        var p50: Double
        var p99: Double
        var max: Double
    }

    let broker: EmbeddedKafkaBroker
    let logger: Logger
    var linger: Duration = .zero
    var fetchWaitMax: Duration = .milliseconds(1)

    /// Measures `samples` hops one after the other, after a few that warm the connections up.
    func run(topic: String, samples: Int) async throws -> Result {
        try await measure(topic: topic, warmUp: 20, samples: samples, pause: .zero)
    }

    /// Measures one hop every `interval` until the task is cancelled, then returns what it saw:
    /// the hop's latency while the rest of the system is under load.
    func probe(topic: String, every interval: Duration) async throws -> Result {
        try await measure(topic: topic, warmUp: 5, samples: nil, pause: interval)
    }

    /// - Parameter samples: how many to measure; `nil`: until the task is cancelled.
    private func measure(topic: String, warmUp: Int, samples: Int?, pause: Duration) async throws -> Result {
        var producerConfiguration = broker.producerConfiguration()
        producerConfiguration.linger = linger
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = broker.consumerConfiguration(groupID: "bench-latency-\(topic)")
        consumerConfiguration.fetchWaitMax = fetchWaitMax
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        try await consumer.assign([KafkaTopicPartition(topic: topic, partition: 0): .beginning])

        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
        let value = BenchKafkaPayload.value(size: 100)
        var i = 0
        while samples.map({ i < $0 + warmUp }) ?? !Task.isCancelled {
            let message = KafkaProducerMessage(topic: topic, key: Array("k\(i)".utf8), value: value)
            let start = ContinuousClock.now
            async let report = producer.send(message)
            var got = false
            let deadline = start + .seconds(10)
            while !got {
                guard ContinuousClock.now < deadline else { throw BenchError("latency: message \(i) not consumed within 10 s") }
                got = try await !consumer.nextBatch(maxMessages: 1, timeout: .milliseconds(100)).isEmpty
            }
            let elapsed = ContinuousClock.now - start
            _ = try await report
            if i >= warmUp {
                let (s, atto) = elapsed.components
                _ = histogram.record(UInt64(s) * 1_000_000 + UInt64(atto / 1_000_000_000_000))
            }
            i += 1
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
        try await consumer.close()
        await producer.shutdown()
        return Result(
            p50: Double(histogram.valueAtPercentile(50)) / 1000,
            p99: Double(histogram.valueAtPercentile(99)) / 1000,
            max: Double(histogram.max) / 1000
        )
    }
}
