import Kafka
import Logging
import SagaCore

/// Publishes start commands and operator controls to the commands topic, keyed by saga id so
/// each lands on the partition that owns the saga.
public final class SagaClient: Sendable {
    private let producer: KafkaProducer
    private let commandsTopic: String

    /// - Parameters:
    ///   - producer: a producer configuration.
    ///   - commandsTopic: the orchestrator's commands topic.
    public init(producer: KafkaProducerConfiguration, commandsTopic: String, logger: Logger = Logger(label: "saga.client")) throws {
        self.producer = try KafkaProducer(configuration: producer, logger: logger)
        self.commandsTopic = commandsTopic
    }

    /// Sends start commands; each gets a saga id first if it has none (a business key derives one).
    /// - Returns: the saga id of each command, in order.
    @discardableResult
    public func start(_ commands: [StartSagaCommand]) async throws -> [String] {
        var ids: [String] = []
        var messages: [KafkaProducerMessage] = []
        for var command in commands {
            let id = SagaStart.sagaID(for: command) ?? SagaClient.randomID()
            command.sagaId = id
            ids.append(id)
            messages.append(message(for: try SagaMessageCodec.encode(command), type: StartSagaCommand.messageType, sagaID: id))
        }
        for result in await producer.send(messages) {
            _ = try result.get()
        }
        return ids
    }

    /// Sends an operator control.
    public func control(_ control: ControlCommand) async throws {
        _ = try await producer.send(message(for: try SagaMessageCodec.encode(control), type: ControlCommand.messageType, sagaID: control.sagaId))
    }

    /// Sends a participant reply to the replies topic, on the partition that owns its saga (for
    /// tests of duplicate and stale replies).
    public func sendReply(_ reply: ParticipantReply, topic: String, partitions: Int32) async throws {
        _ = try await producer.send(KafkaProducerMessage(
            topic: topic,
            partition: Partitioner.murmur2(key: reply.sagaId, partitionCount: partitions),
            key: Array(reply.sagaId.utf8),
            value: try SagaMessageCodec.encode(reply),
            headers: [KafkaHeader(name: SagaHeaders.messageType, value: ParticipantReply.messageType)]
        ))
    }

    /// Sends raw bytes to the commands topic (for tests of malformed input), with `headers`.
    public func sendRaw(_ value: [UInt8]?, key: String?, headers: [KafkaHeader] = []) async throws {
        _ = try await producer.send(KafkaProducerMessage(topic: commandsTopic, key: key.map { Array($0.utf8) }, value: value, headers: headers))
    }

    /// Flushes and stops the producer.
    public func shutdown() async {
        await producer.shutdown(flushTimeout: .seconds(5))
    }

    private func message(for value: [UInt8], type: String, sagaID: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: commandsTopic,
            key: Array(sagaID.utf8),
            value: value,
            headers: [
                KafkaHeader(name: SagaHeaders.messageType, value: type),
                KafkaHeader(name: SagaHeaders.sagaID, value: sagaID),
                KafkaHeader(name: SagaHeaders.contentType, value: SagaHeaders.jsonContentType),
            ]
        )
    }

    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hex = bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-" + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}
