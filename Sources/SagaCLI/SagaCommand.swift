import ArgumentParser

/// The `saga` command-line tool: runs the orchestrator, the embedded broker, benchmarks and
/// operator commands.
@main
struct SagaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga",
        abstract: "A saga orchestrator over Apache Kafka.",
        subcommands: [
            BrokerCommand.self,
            ValidateCommand.self,
            OrchestratorCommand.self,
            DevCommand.self,
            BenchCommand.self,
        ]
    )
}
