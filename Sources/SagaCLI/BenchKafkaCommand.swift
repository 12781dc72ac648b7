import ArgumentParser

struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Kafka wrapper throughput and latency against kcat."
    )

    func run() async throws {
        throw ValidationError("'kafka' is not built yet")
    }
}
