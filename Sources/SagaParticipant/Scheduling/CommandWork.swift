import Kafka
import SagaCore

/// One consumed message on its way through the participant: a command to answer, or a malformed
/// message to dead-letter.
struct CommandWork: Sendable {
    enum Content: Sendable {
        case command(ParticipantCommand)
        case malformed(reason: String)
    }

    let message: KafkaConsumerMessage
    let content: Content
    /// The generation of the partition's assignment it was received in (set by the scheduler): a
    /// revoked and reassigned partition starts a new generation, and older work no longer counts.
    var generation: UInt64 = 0

    /// Reads a consumed message: a valid participant command, or the reason it is not one.
    init(_ message: KafkaConsumerMessage) {
        self.message = message
        guard let value = message.value else {
            content = .malformed(reason: "a message with no value (tombstone) is not a participant command")
            return
        }
        switch SagaMessageCodec.decode(ParticipantCommand.self, from: value) {
        case .success(let command): content = .command(command)
        case .failure(let error): content = .malformed(reason: error.message)
        }
    }

    /// Work of one saga runs one at a time; a malformed message belongs to no saga.
    var sagaID: String? {
        if case .command(let command) = content { return command.sagaId }
        return nil
    }
}
