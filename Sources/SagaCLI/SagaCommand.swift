import ArgumentParser

/// The `saga` command-line tool: runs the orchestrator, the embedded broker and the demo, and the
/// operator commands. Benchmarks are `saga-bench`.
@main
struct SagaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga",
        abstract: "A saga orchestrator over Apache Kafka.",
        discussion: """
            The operator commands find the orchestrator's Kafka cluster like `saga orchestrator` \
            does: --config FILE, then SAGA_BOOTSTRAP_SERVERS, SAGA_TOPIC_PREFIX and \
            SAGA_KAFKA_<PROPERTY>, then --bootstrap-servers, --topic-prefix and -X key=value. \
            status and list read its store: --store URL, else SAGA_STORE_URL (or SAGA_STORE).

            \(OperatorExit.table)
            """,
        subcommands: [
            StartCommand.self,
            WatchCommand.self,
            StatusCommand.self,
            ListCommand.self,
            CancelCommand.self,
            PauseCommand.self,
            ResumeCommand.self,
            RetryCommand.self,
            CompensateCommand.self,
            ValidateCommand.self,
            OrchestratorCommand.self,
            ParticipantCommands.self,
            BrokerCommand.self,
            DevCommand.self,
        ]
    )
}
