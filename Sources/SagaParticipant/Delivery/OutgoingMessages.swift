import Foundation
import Kafka
import SagaCore

/// The Kafka messages a participant publishes: replies and dead letters, with the contract's
/// headers (see `schemas/README.md`).
enum OutgoingMessages {
    /// The reply to `command`: to the topic and partition it names, keyed by saga id, with the
    /// participant span's trace context (`trace`, from the tracer) or else the command's
    /// `traceparent` passed through.
    /// - Throws: `SagaCoreError` when the reply cannot be encoded (its size and encoding were
    ///   checked when it was made, so this does not happen).
    static func reply(
        _ reply: ParticipantReply, to command: ParticipantCommand, from message: KafkaConsumerMessage, trace: [String: String] = [:]
    ) throws -> KafkaProducerMessage {
        var headers = headers(type: ParticipantReply.messageType, sagaID: command.sagaId, from: message)
        for (name, value) in trace {
            headers.removeAll { $0.name == name }
            headers.append(KafkaHeader(name: name, value: Array(value.utf8)))
        }
        return KafkaProducerMessage(
            topic: command.replyTo.topic,
            partition: command.replyTo.partition,
            key: Array(command.sagaId.utf8),
            value: try SagaMessageCodec.encode(reply),
            headers: headers
        )
    }

    /// A dead letter for a message that is not a usable command: the original bytes, key and
    /// origin (topic, partition, offset) with the reason, keyed like the original; an original
    /// over 64 KiB is kept truncated, so the letter always fits on the topic.
    static func deadLetter(_ message: KafkaConsumerMessage, reason: String, topic: String, now: SagaTime) -> KafkaProducerMessage {
        let letter = DeadLetter(
            copying: message.value ?? [], key: message.key, topic: message.topic, partition: message.partition,
            offset: message.offset, reason: reason, time: now
        )
        var headers = headers(type: DeadLetter.messageType, sagaID: nil, from: message)
        headers.append(KafkaHeader(name: deadLetterReasonHeader, value: reason))
        // A dead letter holds strings and integers only: its encoding cannot fail.
        let encoded = (try? SagaMessageCodec.encode(letter)) ?? Array("{}".utf8)
        return KafkaProducerMessage(topic: topic, key: message.key, value: encoded, headers: headers)
    }

    /// The header that repeats a dead letter's reason, so a tool can show it without parsing.
    static let deadLetterReasonHeader = "saga-dead-letter-reason"

    private static func headers(type: String, sagaID: String?, from message: KafkaConsumerMessage) -> [KafkaHeader] {
        var headers = [
            KafkaHeader(name: SagaHeaders.messageType, value: type),
            KafkaHeader(name: SagaHeaders.contentType, value: SagaHeaders.jsonContentType),
        ]
        if let sagaID { headers.append(KafkaHeader(name: SagaHeaders.sagaID, value: sagaID)) }
        if let trace = message.header(SagaHeaders.traceparent) { headers.append(trace) }
        return headers
    }
}
