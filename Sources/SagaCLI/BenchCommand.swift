import ArgumentParser

/// `saga bench ...`: benchmarks that print numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures.",
        subcommands: [
            BenchKafkaCommand.self,
            BenchCoreCommand.self,
        ]
    )
}
