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

    static func append(
        _ effects: SagaEffects,
        to work: inout PartitionWork,
        topics: SagaTopics,
        traceparent: [UInt8]?,
        now: Int64
    ) {
        for command in effects.commands {
            work.outbox.append(OutboxMessage(
                topic: command.topic,
                key: Array(command.key.utf8),
                value: SagaMessageCodec.encode(command.message),
                headers: headers(messageType: ParticipantCommand.messageType, sagaID: command.key, traceparent: traceparent),
                createdAt: now
            ))
        }
        for event in effects.events {
            var headers = headers(messageType: ProgressEvent.messageType, sagaID: event.sagaId, traceparent: traceparent)
            headers.append(OutboxHeader(name: SagaHeaders.sagaStatus, value: Array(event.state.rawValue.utf8)))
            work.outbox.append(OutboxMessage(
                topic: topics.progress,
                key: Array(event.sagaId.utf8),
                value: SagaMessageCodec.encode(event),
                headers: headers,
                createdAt: now
            ))
        }
    }

    static func deadLetter(
        _ message: KafkaConsumerMessage,
        reason: String,
        topics: SagaTopics,
        now: Int64
    ) -> OutboxMessage {
        let letter = DeadLetter(
            originalBase64: base64(message.value ?? []),
            originalKeyBase64: message.key.map(base64),
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            reason: reason,
            time: SagaTime(milliseconds: now)
        )
        var headers = headers(messageType: DeadLetter.messageType, sagaID: nil, traceparent: message.header(SagaHeaders.traceparent)?.value)
        headers.append(OutboxHeader(name: "saga-dead-letter-reason", value: Array(reason.utf8)))
        return OutboxMessage(
            topic: topics.deadLetters,
            key: message.key,
            value: SagaMessageCodec.encode(letter),
            headers: headers,
            createdAt: now
        )
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
