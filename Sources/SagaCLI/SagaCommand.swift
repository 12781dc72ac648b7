import ArgumentParser
import Foundation

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
            DefinitionsCommand.self,
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

    /// Runs the command; an error from the libraries is printed as one plain sentence with what
    /// to do next (``PlainErrors``) and ends the process with status 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let sentence = PlainErrors.sentence(for: error) {
                writeError("saga: \(sentence)")
                Self.exit(withError: ExitCode(1))
            }
            Self.exit(withError: error)
        }
    }
}
