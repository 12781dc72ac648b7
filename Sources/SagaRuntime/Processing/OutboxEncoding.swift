import Foundation
import Kafka
import SagaCore
import SagaStore

/// Turns the core's effects and dead letters into outbox rows.
enum OutboxEncoding {
    static func headers(messageType: String, sagaID: String?, traceparent: [UInt8]?) -> [OutboxHeader] {
        var headers = [
            OutboxHeader(name: SagaHeaders.messageType, value: Array(messageType.utf8)),
            OutboxHeader(name: SagaHeaders.contentType, value: Array(SagaHeaders.jsonContentType.utf8)),
        ]
        if let sagaID { headers.append(OutboxHeader(name: SagaHeaders.sagaID, value: Array(sagaID.utf8))) }
        if let traceparent { headers.append(OutboxHeader(name: SagaHeaders.traceparent, value: traceparent)) }
        return headers
    }

    /// A participant command as an outbox row; the dead-letter topic is named in a header, so a
    /// participant that cannot read the command knows where to put it.
    static func command(_ command: OutgoingCommand, value: [UInt8], topics: SagaTopics, traceparent: [UInt8]?, now: Int64) -> OutboxMessage {
        var headers = headers(messageType: ParticipantCommand.messageType, sagaID: command.key, traceparent: traceparent)
        headers.append(OutboxHeader(name: SagaHeaders.deadLetterTopic, value: Array(topics.deadLetters.utf8)))
        return OutboxMessage(topic: command.topic, key: Array(command.key.utf8), value: value, headers: headers, createdAt: now)
    }

    /// A progress event as an outbox row.
    static func event(_ event: ProgressEvent, value: [UInt8], topics: SagaTopics, traceparent: [UInt8]?, now: Int64) -> OutboxMessage {
        var headers = headers(messageType: ProgressEvent.messageType, sagaID: event.sagaId, traceparent: traceparent)
        headers.append(OutboxHeader(name: SagaHeaders.sagaStatus, value: Array(event.state.rawValue.utf8)))
        return OutboxMessage(topic: topics.progress, key: Array(event.sagaId.utf8), value: value, headers: headers, createdAt: now)
    }

    /// A dead letter for an input that cannot be used.
    static func deadLetter(
        _ message: KafkaConsumerMessage,
        reason: String,
        topics: SagaTopics,
        copyLimit: Int,
        now: Int64
    ) -> OutboxMessage {
        deadLetter(
            value: message.value ?? [], key: message.key, topic: message.topic, partition: message.partition, offset: message.offset,
            reason: reason, traceparent: message.header(SagaHeaders.traceparent)?.value, topics: topics, copyLimit: copyLimit, now: now
        )
    }

    /// A dead letter for a message the orchestrator made but cannot publish (partition and offset -1).
    static func deadLetter(undeliverable message: OutboxMessage, reason: String, topics: SagaTopics, copyLimit: Int, now: Int64) -> OutboxMessage {
        deadLetter(
            value: message.value ?? [], key: message.key, topic: message.topic, partition: -1, offset: -1, reason: reason,
            traceparent: message.headers.first { $0.name == SagaHeaders.traceparent }?.value, topics: topics, copyLimit: copyLimit, now: now
        )
    }

    /// The dead letter keeps the original whole when it fits in `copyLimit` bytes, else its first
    /// `copyLimit` bytes, so the letter itself always fits on the topic.
    private static func deadLetter(
        value: [UInt8], key: [UInt8]?, topic: String, partition: Int32, offset: Int64, reason: String, traceparent: [UInt8]?,
        topics: SagaTopics, copyLimit: Int, now: Int64
    ) -> OutboxMessage {
        let letter = DeadLetter(
            copying: value, key: key, topic: topic, partition: partition, offset: offset,
            reason: String(reason.prefix(4_096)), time: SagaTime(milliseconds: now), copyLimit: copyLimit
        )
        let keyCopy = key.map { Array($0.prefix(copyLimit)) }
        var headers = headers(messageType: DeadLetter.messageType, sagaID: nil, traceparent: traceparent)
        headers.append(OutboxHeader(name: "saga-dead-letter-reason", value: Array(letter.reason.prefix(1_024).utf8)))
        // A dead letter holds strings and integers only: its encoding cannot fail.
        let encoded = (try? SagaMessageCodec.encode(letter)) ?? Array("{}".utf8)
        return OutboxMessage(topic: topics.deadLetters, key: keyCopy, value: encoded, headers: headers, createdAt: now)
    }
}
