import ArgumentParser

/// `saga bench ...`: benchmarks that print numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures.",
        subcommands: [
            BenchSagasCommand.self,
            BenchKafkaCommand.self,
            BenchCoreCommand.self,
        ],
        defaultSubcommand: BenchSagasCommand.self
    )
}
