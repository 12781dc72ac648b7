import Kafka
import Logging
import SagaClient
import SagaCore

/// Publishes start commands and operator controls to the orchestrator's commands topic, keyed by
/// saga id so each lands on the partition whose owner applies it: the HTTP surface's use of
/// ``SagaClient``.
final class CommandPublisher: Sendable {
    private let client: SagaClient

    init(configuration: KafkaProducerConfiguration, topic: String, logger: Logger) throws {
        client = try SagaClient(producer: configuration, commandsTopic: topic, logger: logger)
    }

    /// Publishes a start command under `sagaID`, and waits for the broker's acknowledgement.
    func start(_ command: StartSagaCommand, sagaID: String) async throws {
        var command = command
        command.sagaId = sagaID
        try await client.start([command])
    }

    /// Publishes a control, and waits for the broker's acknowledgement.
    func control(_ control: ControlCommand) async throws {
        try await client.control(control)
    }

    func shutdown() async {
        await client.shutdown()
    }
}
