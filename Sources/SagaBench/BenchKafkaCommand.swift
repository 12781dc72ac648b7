import ArgumentParser
import Foundation
import Kafka
import KafkaTestKit
import Logging

/// `saga-bench kafka`: throughput of our Kafka wrapper against kcat through the same embedded
/// broker, and one-hop latency. Prints numbers; it is not a test.
struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Kafka wrapper throughput and latency against kcat.",
        discussion: """
            Starts the embedded broker in-process, then for each value size: produces --messages \
            messages with the wrapper and with `kcat -P`, consumes them with the wrapper and with \
            `kcat -C -e -o beginning`, and prints messages/s, MB/s and the wrapper/kcat ratio. \
            Then measures produce→consume latency at low load (p50, p99). The mock broker keeps \
            about 5 MiB per partition, so the consumed topic gets enough partitions to hold \
            every message.
            """
    )

    @Option(help: "Messages per run.")
    var messages: Int = 200_000

    @Option(help: "Value sizes in bytes, comma-separated.", transform: BenchKafkaCommand.sizeList)
    var sizes: [Int] = [100, 1024]

    @Option(help: "Partitions of the produced topics.")
    var partitions: Int32 = 8

    @Option(help: "Rounds of each throughput run, wrapper and kcat taking turns; the median is reported.")
    var rounds: Int = 5

    @Option(help: "Latency samples (0 skips the latency run).")
    var latencySamples: Int = 2000

    @Option(help: "The kcat executable.")
    var kcat: String = "kcat"

    @Flag(help: "Skip the kcat runs.")
    var skipKcat = false

    func validate() throws {
        guard messages > 0 else { throw ValidationError("--messages must be positive") }
        guard partitions > 0 else { throw ValidationError("--partitions must be positive") }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard latencySamples >= 0 else { throw ValidationError("--latency-samples must be >= 0") }
    }

    func run() async throws {
        var logger = Logger(label: "saga.bench.kafka") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        let kcatURL = skipKcat ? nil : try BenchKafkaKcat.locate(kcat)
        let broker = try EmbeddedKafkaBroker(logger: logger)
        let wrapper = BenchKafkaWrapper(broker: broker, logger: logger)
        print("saga-bench kafka: \(messages) messages per run, median of \(rounds) rounds, \(partitions) partitions, embedded broker \(broker.bootstrapServers)")
        print("wrapper producer: idempotent, acks=all, linger 5 ms; consumers: fetch.wait.max.ms=5")
        print("")
        print(BenchKafkaReport.header)

        for size in sizes {
            let tag = "\(size)-\(UInt32.random(in: 0...UInt32.max))"
            // Production: the wrapper and kcat each into a topic of their own, taking turns; the
            // median round is reported (other work on the machine makes single rounds noisy).
            let ourTopic = "bench.produce.wrapper.\(tag)"
            let kcatTopic = "bench.produce.kcat.\(tag)"
            try await broker.createTopic(ourTopic, partitions: partitions)
            try await broker.createTopic(kcatTopic, partitions: partitions)
            var ourProduce: [BenchKafkaResult] = []
            var kcatProduce: [BenchKafkaResult] = []
            for _ in 0..<rounds {
                ourProduce.append(try await wrapper.produce(topic: ourTopic, count: messages, size: size))
                if let kcatURL {
                    kcatProduce.append(try await BenchKafkaKcat(executable: kcatURL, bootstrap: broker.bootstrapServers)
                        .produce(topic: kcatTopic, count: messages, size: size))
                }
            }
            print(BenchKafkaReport.line("produce", size: size, ours: .median(ourProduce), kcat: kcatProduce.isEmpty ? nil : .median(kcatProduce)))

            // Consumption: one topic, filled once, with room for every message, read by both.
            let consumeTopic = "bench.consume.\(tag)"
            let roomy = Int32((messages * (size + 80)) / (4 * 1024 * 1024) + 1)
            let consumePartitions = max(partitions, roomy)
            try await broker.createTopic(consumeTopic, partitions: consumePartitions)
            _ = try await wrapper.produce(topic: consumeTopic, count: messages, size: size)
            var ourConsume: [BenchKafkaResult] = []
            var kcatConsume: [BenchKafkaResult] = []
            for _ in 0..<rounds {
                ourConsume.append(try await wrapper.consume(topic: consumeTopic, partitions: consumePartitions, count: messages))
                if let kcatURL {
                    kcatConsume.append(try await BenchKafkaKcat(executable: kcatURL, bootstrap: broker.bootstrapServers)
                        .consume(topic: consumeTopic, expected: messages))
                }
            }
            print(BenchKafkaReport.line("consume", size: size, ours: .median(ourConsume), kcat: kcatConsume.isEmpty ? nil : .median(kcatConsume))
                + (consumePartitions != partitions ? "  (\(consumePartitions) partitions)" : ""))
        }

        if latencySamples > 0 {
            let topic = "bench.latency.\(UInt32.random(in: 0...UInt32.max))"
            try await broker.createTopic(topic, partitions: 1)
            let latency = try await BenchKafkaLatency(broker: broker, logger: logger).run(topic: topic, samples: latencySamples)
            func ms(_ value: Double) -> String { BenchKafkaReport.format(value, 2) }
            print("")
            print("latency produce→consumed (\(latencySamples) messages of 100 B, one at a time, linger 0, fetch.wait.max.ms=1): "
                + "p50 \(ms(latency.p50)) ms, p99 \(ms(latency.p99)) ms, max \(ms(latency.max)) ms")
        }
        await broker.shutdown()
    }

    static func sizeList(_ argument: String) throws -> [Int] {
        let sizes = argument.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--sizes wants positive byte counts, e.g. 100,1024")
        }
        return sizes
    }
}
