import Kafka
import SagaCore

/// An input message, decoded and classified before anything is applied, so the batch knows which
/// sagas it must look up in the store first.
struct DecodedInput {
    enum Kind {
        /// A start for a saga that belongs on this partition.
        case start(StartSagaCommand, sagaID: String, plan: SagaPlan)
        /// A start whose saga id belongs on another partition: re-published there, keyed by saga id.
        case forward(StartSagaCommand, sagaID: String, partition: Int32)
        case control(ControlCommand)
        case reply(ParticipantReply)
        /// Cannot be processed: goes to the dead-letter topic with this reason.
        case deadLetter(String, DeadLetterReason)
    }

    var message: KafkaConsumerMessage
    var kind: Kind

    /// The saga the input is about, if it names one.
    var sagaID: String? {
        switch kind {
        case .start(_, let id, _): return id
        case .control(let control): return control.sagaId
        case .reply(let reply): return reply.sagaId
        case .forward, .deadLetter: return nil
        }
    }
}

/// Decodes and classifies the orchestrator's input messages.
struct InputDecoder {
    let registry: SagaRegistry
    let partitionCount: Int32
    /// See ``OrchestratorConfiguration/maxInputBytes``.
    let maxInputBytes: Int

    func decode(_ message: KafkaConsumerMessage) -> DecodedInput {
        guard let value = message.value else {
            return DecodedInput(message: message, kind: .deadLetter("a message with no value (tombstone) is not a saga message", .malformed))
        }
        guard value.count <= maxInputBytes else {
            return DecodedInput(message: message, kind: .deadLetter(
                "the message is \(value.count) bytes, more than the \(maxInputBytes) bytes the orchestrator accepts (maxInputBytes)",
                .oversize
            ))
        }
        let messageType = message.header(SagaHeaders.messageType)?.stringValue
        switch SagaMessageCodec.decodeInbound(value, messageType: messageType) {
        case .failure(let error):
            return DecodedInput(message: message, kind: .deadLetter(error.message, .malformed))
        case .success(.control(let control)):
            return DecodedInput(message: message, kind: .control(control))
        case .success(.reply(let reply)):
            return DecodedInput(message: message, kind: .reply(reply))
        case .success(.start(let start)):
            return classify(start, message)
        }
    }

    private func classify(_ start: StartSagaCommand, _ message: KafkaConsumerMessage) -> DecodedInput {
        let plan: SagaPlan
        do {
            plan = try registry.plan(for: start)
        } catch {
            return DecodedInput(message: message, kind: .deadLetter(error.message, .unknownType))
        }
        // A start with neither id nor business key gets an id derived from where it was read, so a
        // replay after a crash gives the same id.
        let sagaID = SagaStart.sagaID(for: start)
            ?? SagaStart.derivedSagaID(sagaType: start.sagaType, businessKey: "\(message.topic)/\(message.partition)/\(message.offset)")
        let home = Partitioner.murmur2(key: sagaID, partitionCount: partitionCount)
        if home != message.partition {
            return DecodedInput(message: message, kind: .forward(start, sagaID: sagaID, partition: home))
        }
        return DecodedInput(message: message, kind: .start(start, sagaID: sagaID, plan: plan))
    }
}
