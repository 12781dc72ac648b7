import Kafka
import Logging
import SagaCore
import SagaStore
import Tracing

/// Applies decoded inputs and timer firings to one partition's sagas, in memory, collecting
/// what the partition's next store transaction must write.
///
/// Nothing one saga does can stop the others: a command too large to publish (or that cannot be
/// encoded) refuses its step in the machine at once and goes to the dead-letter topic instead; a
/// transition whose new state cannot be encoded is not kept (its input is dead-lettered, or, for a
/// timer, the saga is quarantined).
struct BatchApplier {
    let registry: SagaRegistry
    let topics: SagaTopics
    let commandSentEvents: Bool
    /// Partitions of the commands topic, to find a saga id's home partition.
    let partitionCount: Int32
    let limits: Limits
    /// Records the sagas' spans (see ``SagaTracer``).
    var tracer = SagaTracer(nil)
    let logger: Logger

    /// The sizes the applier holds messages to.
    struct Limits {
        /// See ``OrchestratorConfiguration/maxMessageBytes``.
        var maxMessageBytes: Int
        /// See ``OrchestratorConfiguration/deadLetterCopyBytes``.
        var deadLetterCopyBytes: Int
    }

    /// Sagas that are not in memory (terminal ones) but that the batch's inputs name, read from
    /// the store before the batch is applied, and the owners of the batch's start keys.
    struct Lookups {
        var sagas: [String: SagaState] = [:]
        var startKeyOwners: [StartKey: String] = [:]
        /// Sagas whose stored state cannot be read: their inputs go to the dead-letter topic.
        var quarantined: Set<String> = []
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
            if let id = input.sagaID, lookups.quarantined.contains(id) || partition.quarantined.contains(id) {
                deadLetter(message, "saga '\(id)' is quarantined: its stored state cannot be read (see `saga list --state quarantined`)", .quarantined, &work, now)
                continue
            }
            switch input.kind {
            case .deadLetter(let reason, let reasonClass):
                deadLetter(message, reason, reasonClass, &work, now)
            case .forward(var start, let sagaID, let home):
                start.sagaId = sagaID
                forward(start, sagaID: sagaID, home: home, message, &work, trace, now)
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

    /// Fires the timers due by `limit` (see ``ReplyHorizon``), at `now`.
    func fireTimers(of partition: inout OwnedPartition, work: inout PartitionWork, now: SagaTime, limit: Int64) {
        for sagaID in partition.dueTimers(now: min(limit, now.milliseconds)) {
            guard var state = partition.sagas[sagaID] else { continue }
            handle(.timer, &state, nil, &partition, &work, nil, now)
        }
    }

    /// Tells a saga that one of its commands was refused by Kafka for good (see ``OutboxRelay``).
    func applyUndeliverable(_ undeliverable: Undeliverable, to partition: inout OwnedPartition, work: inout PartitionWork, now: SagaTime) {
        guard var state = partition.sagas[undeliverable.sagaID] ?? work.touched[undeliverable.sagaID] else { return }
        let input = SagaInput.undeliverable(step: undeliverable.step, phase: undeliverable.phase, reason: undeliverable.reason)
        handle(input, &state, nil, &partition, &work, nil, now)
    }

    // MARK: - Private

    private func find(_ sagaID: String, _ partition: OwnedPartition, _ work: PartitionWork, _ lookups: Lookups) -> SagaState? {
        partition.sagas[sagaID] ?? work.touched[sagaID] ?? lookups.sagas[sagaID]
    }

    private func forward(_ start: StartSagaCommand, sagaID: String, home: Int32, _ message: KafkaConsumerMessage, _ work: inout PartitionWork, _ trace: [UInt8]?, _ now: SagaTime) {
        // The start was decoded from at most `maxInputBytes`: encoding it again cannot fail.
        guard let value = try? SagaMessageCodec.encode(start) else {
            deadLetter(message, "the start command cannot be forwarded to partition \(home)", .malformed, &work, now)
            return
        }
        work.outbox.append(OutboxMessage(
            topic: topics.commands,
            partition: home,
            key: Array(sagaID.utf8),
            value: value,
            headers: OutboxEncoding.headers(messageType: StartSagaCommand.messageType, sagaID: sagaID, traceparent: trace),
            createdAt: now.milliseconds
        ))
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
                    // The key's saga lives on another partition (its id was given explicitly, so
                    // it did not hash here): the business key wins, and the start goes there, to
                    // that saga's single writer, which answers on its progress stream.
                    let home = Partitioner.murmur2(key: owner, partitionCount: partitionCount)
                    if home == partition.number || start.sagaId == owner {
                        deadLetter(message, "duplicate start: business key '\(businessKey)' of saga type '\(start.sagaType)' belongs to saga '\(owner)', which is no longer in the store", .duplicateStart, &work, now)
                        return
                    }
                    var forwarded = start
                    forwarded.sagaId = owner
                    forward(forwarded, sagaID: owner, home: home, message, &work, trace, now)
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
            var traceparent = trace.map { String(decoding: $0, as: UTF8.self) }
            if let started = tracer.startSaga(sagaType: start.sagaType, headers: message.headers) {
                // A saga the sampler dropped keeps nothing: its trace's flag says so from now on.
                if let span = started.span { partition.spans.open[id] = SagaSpans.Open(saga: span) }
                // A start without a trace context gets the saga span's as its trace.
                if traceparent == nil { traceparent = started.traceparent }
            }
            let sagaTrace = traceparent ?? TraceContext.newTraceparent()
            let (state, effects) = machine.start(start, sagaID: id, replyPartition: partition.number, now: now, traceparent: sagaTrace)
            guard record(machine, before: nil, state, effects, message, &partition, &work, Array(sagaTrace.utf8), now) else {
                partition.spans.discard(id)
                return
            }
            if let businessKey = start.businessKey {
                work.startKeys.append(StartKeyRegistration(key: StartKey(sagaType: start.sagaType, businessKey: businessKey), sagaID: id))
            }
            work.started += 1
            work.startedByType[start.sagaType, default: 0] += 1
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
            logger.error("cannot apply input", metadata: Self.metadata(of: state, ["reason": "\(reason)"]))
            if let message { deadLetter(message, reason, .definitionMissing, &work, now) }
            return
        }
        let machine = SagaMachine(plan: plan, replyTopic: topics.replies, commandSentEvents: commandSentEvents)
        let before = state
        let effects = machine.handle(input, state: &state, now: now)
        if !effects.applied { work.ignored += 1 }
        record(machine, before: before, state, effects, message, &partition, &work, trace, now)
    }

    /// Encodes what a transition produced and keeps it.
    /// - Returns: whether the transition was kept.
    @discardableResult
    private func record(
        _ machine: SagaMachine,
        before: SagaState?,
        _ state: SagaState,
        _ effects: SagaEffects,
        _ message: KafkaConsumerMessage?,
        _ partition: inout OwnedPartition,
        _ work: inout PartitionWork,
        _ trace: [UInt8]?,
        _ now: SagaTime
    ) -> Bool {
        var state = state
        var effects = effects
        var rows: [OutboxMessage] = []
        var emitted: [ProgressEvent] = []
        var emittedValues: [[UInt8]] = []
        let traceparent = trace ?? state.traceparent.map { Array($0.utf8) }
        // Only when spans are recorded: then the id finds them; off, the events stay as they were.
        let traceID = tracer.isEnabled && !effects.events.isEmpty ? TraceCarrier.traceID(of: state.traceparent) : nil
        // A round refuses at least one step in flight, so the rounds end well within the bound.
        for _ in 0...(2 * machine.plan.steps.count + 1) {
            var undeliverable: [(command: ParticipantCommand, reason: String)] = []
            if tracer.isEnabled { tracer.observe(effects.events, of: state, in: &partition.spans) }
            for command in effects.commands {
                do {
                    let value = try SagaMessageCodec.encode(command.message)
                    var row = OutboxEncoding.command(command, value: value, topics: topics, traceparent: traceparent, now: now.milliseconds)
                    if tracer.isEnabled {
                        TraceCarrier.merge(tracer.startAttempt(command.message, of: state, in: &partition.spans), into: &row.headers)
                    }
                    if value.count <= limits.maxMessageBytes {
                        rows.append(row)
                    } else {
                        let reason = "it is \(value.count) bytes, more than the \(limits.maxMessageBytes) bytes the orchestrator publishes (maxMessageBytes)"
                        undeliverable.append((command.message, reason))
                        rows.append(OutboxEncoding.deadLetter(undeliverable: row, reason: "\(ParticipantCommand.messageType) for saga '\(state.sagaID)' not published: \(reason)", topics: topics, copyLimit: limits.deadLetterCopyBytes, now: now.milliseconds))
                    }
                } catch {
                    undeliverable.append((command.message, error.message))
                    let row = OutboxEncoding.command(command, value: [], topics: topics, traceparent: traceparent, now: now.milliseconds)
                    rows.append(OutboxEncoding.deadLetter(undeliverable: row, reason: "\(ParticipantCommand.messageType) for saga '\(state.sagaID)' cannot be encoded: \(error.message)", topics: topics, copyLimit: limits.deadLetterCopyBytes, now: now.milliseconds))
                }
            }
            for var event in effects.events {
                if let traceID { event.traceId = traceID }
                let value: [UInt8]
                do {
                    value = try SagaMessageCodec.encode(event)
                } catch {
                    return unstorable(before, state, "its progress event cannot be encoded: \(error.message)", message, &partition, &work, now)
                }
                guard value.count <= limits.maxMessageBytes else {
                    return unstorable(before, state, "its progress event is \(value.count) bytes, more than maxMessageBytes", message, &partition, &work, now)
                }
                rows.append(OutboxEncoding.event(event, value: value, topics: topics, traceparent: traceparent, now: now.milliseconds))
                emitted.append(event)
                emittedValues.append(value)
            }
            if undeliverable.isEmpty { break }
            effects = SagaEffects()
            for (command, reason) in undeliverable {
                logger.error("a participant command cannot be published; its step counts as refused", metadata: Self.metadata(of: state, [
                    "step": "\(command.step)", "phase": "\(command.phase.rawValue)", "reason": "\(reason)",
                ]))
                let more = machine.handle(.undeliverable(step: command.step, phase: command.phase, reason: reason), state: &state, now: now)
                effects.commands += more.commands
                effects.events += more.events
            }
        }
        let encoded: [UInt8]
        do {
            encoded = try SagaStateCodec.encode(state)
        } catch {
            return unstorable(before, state, "its state cannot be encoded: \(error.message)", message, &partition, &work, now)
        }
        partition.keep(state)
        work.touched[state.sagaID] = state
        work.encodedStates[state.sagaID] = encoded
        work.tally(emitted, state: state)
        let latencies = before.map { work.timeReplies(emitted, before: $0, plan: machine.plan) } ?? [:]
        work.keepHistory(emitted, values: emittedValues, latencies: latencies)
        work.outbox.append(contentsOf: rows)
        return true
    }

    /// A transition that cannot be stored is not kept: its input goes to the dead-letter topic
    /// and the saga stays as it was; with no input to blame (a timer), the saga is quarantined so
    /// it does not fire again and again.
    private func unstorable(
        _ before: SagaState?, _ state: SagaState, _ reason: String, _ message: KafkaConsumerMessage?,
        _ partition: inout OwnedPartition, _ work: inout PartitionWork, _ now: SagaTime
    ) -> Bool {
        logger.error("a saga's transition cannot be stored; it was not applied", metadata: Self.metadata(of: state, ["reason": "\(reason)"]))
        if let message {
            deadLetter(message, "saga '\(state.sagaID)': \(reason)", .unstorable, &work, now)
        } else if let before {
            quarantine(before, reason: reason, &partition, &work, now)
        }
        return false
    }

    /// Takes a saga out of memory and marks its row `quarantined`; its later inputs are dead-lettered.
    func quarantine(_ state: SagaState, reason: String, _ partition: inout OwnedPartition, _ work: inout PartitionWork, _ now: SagaTime) {
        let bytes = (try? SagaStateCodec.encode(state)) ?? Array("{}".utf8)
        quarantine(
            SagaRecord(
                id: state.sagaID, type: state.sagaType, version: state.sagaVersion, partition: partition.number,
                status: SagaRecord.quarantinedStatus, isTerminal: false, businessKey: state.businessKey,
                createdAt: state.startedAt.milliseconds, updatedAt: now.milliseconds, state: bytes
            ),
            reason: reason, traceparent: state.traceparent, &partition, &work
        )
    }

    /// Marks a stored saga `quarantined`, keeping its stored state as it is.
    func quarantine(_ record: SagaRecord, reason: String, traceparent: String? = nil, _ partition: inout OwnedPartition, _ work: inout PartitionWork) {
        logger.error("saga quarantined: it is left out until an operator looks at it", metadata: Self.traced(["saga": "\(record.id)", "reason": "\(reason)"], traceparent))
        partition.sagas[record.id] = nil
        partition.spans.discard(record.id)
        partition.quarantined.insert(record.id)
        var record = record
        record.status = SagaRecord.quarantinedStatus
        record.nextDeadline = nil
        record.isTerminal = false
        work.quarantined.append(record)
    }

    private func deadLetter(_ message: KafkaConsumerMessage, _ reason: String, _ reasonClass: DeadLetterReason, _ work: inout PartitionWork, _ now: SagaTime) {
        let traceparent = message.header(SagaHeaders.traceparent)?.value.map { String(decoding: $0, as: UTF8.self) }
        logger.warning("dead-lettered an input", metadata: Self.traced([
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)", "reason": "\(reason)",
        ], traceparent))
        work.outbox.append(OutboxEncoding.deadLetter(message, reason: reason, topics: topics, copyLimit: limits.deadLetterCopyBytes, now: now.milliseconds))
        work.deadLettered += 1
        work.deadLettersByReason[reasonClass, default: 0] += 1
    }

    /// A saga's log metadata: its id, and the trace id of its `traceparent` (as the tracer's
    /// metadata provider names it inside a span), so a log line finds the saga's trace.
    static func metadata(of state: SagaState, _ more: Logger.Metadata) -> Logger.Metadata {
        var metadata = more
        metadata["saga"] = "\(state.sagaID)"
        return traced(metadata, state.traceparent)
    }

    /// `metadata` with the trace id of `traceparent` as `trace_id`, when there is one.
    static func traced(_ metadata: Logger.Metadata, _ traceparent: String?) -> Logger.Metadata {
        guard let traceID = TraceCarrier.traceID(of: traceparent) else { return metadata }
        var metadata = metadata
        metadata["trace_id"] = "\(traceID)"
        return metadata
    }
}
