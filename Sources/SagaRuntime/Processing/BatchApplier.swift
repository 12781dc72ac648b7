import Kafka
import Logging
import SagaCore
import SagaStore

/// Applies decoded inputs and timer firings to one partition's sagas, in memory, collecting
/// what the partition's next store transaction must write.
struct BatchApplier {
    let registry: SagaRegistry
    let topics: SagaTopics
    let commandSentEvents: Bool
    let logger: Logger

    /// Sagas that are not in memory (terminal ones) but that the batch's inputs name, read from
    /// the store before the batch is applied, and the owners of the batch's start keys.
    struct Lookups {
        var sagas: [String: SagaState] = [:]
        var startKeyOwners: [StartKey: String] = [:]
    }

    func apply(
        _ inputs: [DecodedInput],
        to partition: inout OwnedPartition,
        lookups: Lookups,
        work: inout PartitionWork,
        now: SagaTime
    ) {
        for input in inputs {
            let message = input.message
            work.consumed(topic: message.topic, offset: message.offset)
            let trace = message.header(SagaHeaders.traceparent)?.value
            switch input.kind {
            case .deadLetter(let reason, let reasonClass):
                deadLetter(message, reason, reasonClass, &work, now)
            case .forward(var start, let sagaID, let home):
                start.sagaId = sagaID
                work.outbox.append(OutboxMessage(
                    topic: topics.commands,
                    partition: home,
                    key: Array(sagaID.utf8),
                    value: SagaMessageCodec.encode(start),
                    headers: OutboxEncoding.headers(messageType: StartSagaCommand.messageType, sagaID: sagaID, traceparent: trace),
                    createdAt: now.milliseconds
                ))
            case .start(let start, let sagaID, let plan):
                applyStart(start, sagaID: sagaID, plan: plan, message, &partition, lookups, &work, trace, now)
            case .control(let control):
                guard var state = find(control.sagaId, partition, work, lookups) else {
                    deadLetter(message, "no saga with id '\(control.sagaId)' on partition \(partition.number)", .unknownSaga, &work, now)
                    continue
                }
                handle(.control(control), &state, message, &partition, &work, trace, now)
            case .reply(let reply):
                guard var state = find(reply.sagaId, partition, work, lookups) else {
                    deadLetter(message, "no saga with id '\(reply.sagaId)' on partition \(partition.number)", .unknownSaga, &work, now)
                    continue
                }
                handle(.reply(reply), &state, message, &partition, &work, trace, now)
            }
        }
    }

    /// Fires the timers due at `now`.
    func fireTimers(of partition: inout OwnedPartition, work: inout PartitionWork, now: SagaTime) {
        for sagaID in partition.dueTimers(now: now.milliseconds) {
            guard var state = partition.sagas[sagaID] else { continue }
            handle(.timer, &state, nil, &partition, &work, nil, now)
        }
    }

    // MARK: - Private

    private func find(_ sagaID: String, _ partition: OwnedPartition, _ work: PartitionWork, _ lookups: Lookups) -> SagaState? {
        partition.sagas[sagaID] ?? work.touched[sagaID] ?? lookups.sagas[sagaID]
    }

    private func applyStart(
        _ start: StartSagaCommand,
        sagaID: String,
        plan: SagaPlan,
        _ message: KafkaConsumerMessage,
        _ partition: inout OwnedPartition,
        _ lookups: Lookups,
        _ work: inout PartitionWork,
        _ trace: [UInt8]?,
        _ now: SagaTime
    ) {
        var existing = find(sagaID, partition, work, lookups)
        if existing == nil, let businessKey = start.businessKey {
            let key = StartKey(sagaType: start.sagaType, businessKey: businessKey)
            if let owner = work.startKeys.first(where: { $0.key == key })?.sagaID ?? lookups.startKeyOwners[key] {
                existing = find(owner, partition, work, lookups)
                if existing == nil {
                    deadLetter(message, "duplicate start: business key '\(businessKey)' of saga type '\(start.sagaType)' belongs to saga '\(owner)', which lives on another partition", .duplicateStart, &work, now)
                    return
                }
            }
        }
        switch SagaStart.resolve(start, existing: existing, newID: sagaID) {
        case .duplicate:
            guard var state = existing else { return }
            handle(.start(start), &state, message, &partition, &work, trace, now)
        case .create(let id):
            let machine = SagaMachine(plan: plan, replyTopic: topics.replies, commandSentEvents: commandSentEvents)
            let (state, effects) = machine.start(start, sagaID: id, replyPartition: partition.number, now: now)
            if let businessKey = start.businessKey {
                work.startKeys.append(StartKeyRegistration(key: StartKey(sagaType: start.sagaType, businessKey: businessKey), sagaID: id))
            }
            work.started += 1
            work.startedByType[start.sagaType, default: 0] += 1
            record(state, effects, &partition, &work, trace, now)
        }
    }

    private func handle(
        _ input: SagaInput,
        _ state: inout SagaState,
        _ message: KafkaConsumerMessage?,
        _ partition: inout OwnedPartition,
        _ work: inout PartitionWork,
        _ trace: [UInt8]?,
        _ now: SagaTime
    ) {
        guard let plan = registry.plan(for: state) else {
            let reason = "saga '\(state.sagaID)' runs definition '\(state.sagaType)' version \(state.sagaVersion), which is not loaded"
            logger.error("cannot apply input", metadata: ["saga": "\(state.sagaID)", "reason": "\(reason)"])
            if let message { deadLetter(message, reason, .definitionMissing, &work, now) }
            return
        }
        let effects = SagaMachine(plan: plan, replyTopic: topics.replies, commandSentEvents: commandSentEvents).handle(input, state: &state, now: now)
        if !effects.applied { work.ignored += 1 }
        record(state, effects, &partition, &work, trace, now)
    }

    private func record(
        _ state: SagaState,
        _ effects: SagaEffects,
        _ partition: inout OwnedPartition,
        _ work: inout PartitionWork,
        _ trace: [UInt8]?,
        _ now: SagaTime
    ) {
        partition.keep(state)
        work.touched[state.sagaID] = state
        work.tally(effects.events, state: state)
        OutboxEncoding.append(effects, to: &work, topics: topics, traceparent: trace, now: now.milliseconds)
    }

    private func deadLetter(_ message: KafkaConsumerMessage, _ reason: String, _ reasonClass: DeadLetterReason, _ work: inout PartitionWork, _ now: SagaTime) {
        logger.warning("dead-lettered an input", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)", "reason": "\(reason)",
        ])
        work.outbox.append(OutboxEncoding.deadLetter(message, reason: reason, topics: topics, now: now.milliseconds))
        work.deadLettered += 1
        work.deadLettersByReason[reasonClass, default: 0] += 1
    }
}
