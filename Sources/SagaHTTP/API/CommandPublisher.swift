import Kafka
import Logging
import SagaCore

/// Publishes start commands and operator controls to the orchestrator's commands topic, keyed by
/// saga id so each lands on the partition whose owner applies it.
final class CommandPublisher: Sendable {
    private let producer: KafkaProducer
    private let topic: String

    init(configuration: KafkaProducerConfiguration, topic: String, logger: Logger) throws {
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.topic = topic
    }

    /// Publishes a start command whose saga id is set, and waits for the broker's acknowledgement.
    func start(_ command: StartSagaCommand, sagaID: String) async throws {
        try await send(SagaMessageCodec.encode(command), type: StartSagaCommand.messageType, sagaID: sagaID)
    }

    /// Publishes a control, and waits for the broker's acknowledgement.
    func control(_ control: ControlCommand) async throws {
        try await send(SagaMessageCodec.encode(control), type: ControlCommand.messageType, sagaID: control.sagaId)
    }

    func shutdown() async {
        await producer.shutdown(flushTimeout: .seconds(5))
    }

    private func send(_ value: [UInt8], type: String, sagaID: String) async throws {
        _ = try await producer.send(KafkaProducerMessage(
            topic: topic,
            key: Array(sagaID.utf8),
            value: value,
            headers: [
                KafkaHeader(name: SagaHeaders.messageType, value: type),
                KafkaHeader(name: SagaHeaders.sagaID, value: sagaID),
                KafkaHeader(name: SagaHeaders.contentType, value: SagaHeaders.jsonContentType),
            ]
        ))
    }
}
