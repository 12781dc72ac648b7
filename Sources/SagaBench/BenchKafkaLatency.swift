import Histogram
import Kafka
import KafkaTestKit
import Logging

/// One-hop latency at low load: from the call to `send` to the message coming out of the
/// consumer's poll, one message at a time. `saga-bench kafka` measures the wrapper's best case
/// (linger 0, `fetch.wait.max.ms=1`); `saga-bench` measures with the saga path's settings.
struct BenchKafkaLatency {
    struct Result {
        /// One hop, in milliseconds.
        var p50: Double
        var p99: Double
        var max: Double
        /// A chain of hops in sequence (see ``probe(topic:every:chain:)``), in milliseconds;
        /// equal to the hop's figures for a chain of one.
        var chainP50: Double
        var chainP99: Double
    }

    let broker: EmbeddedKafkaBroker
    let logger: Logger
    var linger: Duration = .zero
    var fetchWaitMax: Duration = .milliseconds(1)

    /// Measures `samples` hops one after the other, after a few that warm the connections up.
    func run(topic: String, samples: Int) async throws -> Result {
        try await measure(topic: topic, warmUp: 20, samples: samples, pause: .zero)
    }

    /// Measures `chain` hops in sequence, each sent once the one before came out of the
    /// consumer, then waits `interval`, until the task is cancelled; then returns what it saw:
    /// a hop's latency, and a chain's, while the rest of the system is under load. A chain of as
    /// many hops as a saga needs is that saga's floor under the same load, with no orchestrator.
    func probe(topic: String, every interval: Duration, chain: Int) async throws -> Result {
        try await measure(topic: topic, warmUp: 5, samples: nil, pause: interval, chain: chain)
    }

    /// - Parameter samples: how many to measure; `nil`: until the task is cancelled.
    private func measure(topic: String, warmUp: Int, samples: Int?, pause: Duration, chain: Int = 1) async throws -> Result {
        var producerConfiguration = broker.producerConfiguration()
        producerConfiguration.linger = linger
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = broker.consumerConfiguration(groupID: "bench-latency-\(topic)")
        consumerConfiguration.fetchWaitMax = fetchWaitMax
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        try await consumer.assign([KafkaTopicPartition(topic: topic, partition: 0): .beginning])

        var hops = Histogram<UInt64>(highestTrackableValue: 60_000_000)
        var chains = Histogram<UInt64>(highestTrackableValue: 600_000_000)
        let value = BenchKafkaPayload.value(size: 100)
        var i = 0
        while samples.map({ i < $0 + warmUp }) ?? !Task.isCancelled {
            let chainStart = ContinuousClock.now
            for hop in 0..<chain {
                let message = KafkaProducerMessage(topic: topic, key: Array("k\(i)-\(hop)".utf8), value: value)
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
                if i >= warmUp { _ = hops.record(elapsed.histogramMicroseconds) }
            }
            if i >= warmUp { _ = chains.record((ContinuousClock.now - chainStart).histogramMicroseconds) }
            i += 1
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
        try await consumer.close()
        await producer.shutdown()
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        return Result(
            p50: ms(hops.valueAtPercentile(50)), p99: ms(hops.valueAtPercentile(99)), max: ms(hops.max),
            chainP50: ms(chains.valueAtPercentile(50)), chainP99: ms(chains.valueAtPercentile(99))
        )
    }
}
