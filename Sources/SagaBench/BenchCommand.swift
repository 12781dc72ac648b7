import ArgumentParser

/// `saga-bench ...`: benchmarks that print numbers. A separate executable, so the production
/// `saga` binary links none of the test kits the benchmarks use.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga-bench",
        abstract: "Run a benchmark of the saga orchestrator and print its figures (the `saga` executable must sit beside it).",
        subcommands: [
            BenchSagasCommand.self,
            BenchKafkaCommand.self,
            BenchCoreCommand.self,
            ChaosCommand.self,
            ChaosParticipantCommand.self,
        ],
        defaultSubcommand: BenchSagasCommand.self
    )
}
