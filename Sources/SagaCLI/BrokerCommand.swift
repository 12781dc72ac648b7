import ArgumentParser

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded Kafka broker (librdkafka's mock cluster)."
    )

    func run() async throws {
        throw ValidationError("'broker' is not built yet")
    }
}
