import Kafka
import Logging
import SagaCore
import SagaStore

// MARK: - Workers

/// A worker answers one command at a time until the scheduler has nothing more for it.
extension ParticipantService {
    /// Answers `first`, then whatever the scheduler hands this worker next.
    func work(from first: CommandWork, _ publisher: ReplyPublisher) async {
        var next: CommandWork? = first
        while let work = next {
            let answered = await answerUntilDelivered(work, publisher)
            next = state.withLock { $0.scheduler.finish(work, answered: answered) }
        }
    }

    /// Answers `work` until the answer is acknowledged, handling it again after a backoff when
    /// delivery (or the dedupe store) fails.
    /// - Returns: `false` when it gave up: the partition was revoked, the shutdown timeout passed,
    ///   or the task was cancelled.
    private func answerUntilDelivered(_ work: CommandWork, _ publisher: ReplyPublisher) async -> Bool {
        var backoff = configuration.retryBackoff.initial
        while true {
            do {
                try await answer(work, publisher)
                return true
            } catch {
                let origin: Logger.Metadata = [
                    "topic": "\(work.message.topic)", "partition": "\(work.message.partition)",
                    "offset": "\(work.message.offset)", "error": "\(error)",
                ]
                guard mayTryAgain(work) else {
                    logger.warning("a command's answer was not delivered; left uncommitted", metadata: origin)
                    return false
                }
                logger.warning("a command's answer was not delivered; handling it again in \(backoff)", metadata: origin)
                instruments.redelivered()
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return false
                }
                backoff = min(backoff * 2, configuration.retryBackoff.maximum)
            }
        }
    }

    private func mayTryAgain(_ work: CommandWork) -> Bool {
        if Task.isCancelled { return false }
        return state.withLock { state in
            state.scheduler.isCurrent(work) && state.giveUpAt.map { ContinuousClock.now < $0 } ?? true
        }
    }

    /// Answers one message and waits for the broker's acknowledgement.
    private func answer(_ work: CommandWork, _ publisher: ReplyPublisher) async throws {
        switch work.content {
        case .malformed(let reason):
            logger.warning("a malformed command goes to the dead-letter topic", metadata: [
                "topic": "\(work.message.topic)", "partition": "\(work.message.partition)",
                "offset": "\(work.message.offset)", "reason": "\(reason)",
            ])
            let topic = work.message.header(SagaHeaders.deadLetterTopic)?.stringValue ?? configuration.deadLetterTopic
            try await publisher.send(OutgoingMessages.deadLetter(work.message, reason: reason, topic: topic, now: Self.now()))
            instruments.deadLettered()
        case .command(let command):
            let (reply, trace) = try await tracer.traced(command, from: work.message, participant: configuration.name) {
                try await self.reply(to: command, from: work.message)
            }
            try await publisher.send(OutgoingMessages.reply(reply, to: command, from: work.message, trace: trace))
            instruments.replied()
        }
    }

    /// The reply recorded for the command's idempotency key, or the handler's answer (recorded
    /// when final).
    private func reply(to command: ParticipantCommand, from message: KafkaConsumerMessage) async throws -> ParticipantReply {
        let key = DedupeKey(consumer: configuration.name, idempotencyKey: command.idempotencyKey)
        if let recorded = try await dedupe.reply(for: key) {
            instruments.duplicate()
            return try Self.replay(recorded, for: command)
        }
        // A pending command that arrives after its step was compensated (a re-send) must change
        // nothing: it is refused without running the handler, and the refusal is recorded.
        if command.phase == .pending {
            let compensation = DedupeKey(consumer: configuration.name, idempotencyKey: "\(command.sagaId)/\(command.step)/\(SagaPhase.compensate.rawValue)")
            if try await dedupe.reply(for: compensation) != nil {
                let refusal = ParticipantReply(to: command, outcome: .rejected, reason: "step '\(command.step)' of this saga was already compensated")
                logger.notice("a pending command arrived after its step was compensated; refused without running the handler", metadata: [
                    "saga": "\(command.sagaId)", "step": "\(command.step)",
                ])
                return try Self.replay(try await dedupe.record(try SagaMessageCodec.encode(refusal), for: key, at: Self.now().milliseconds), for: command)
            }
        }
        let request = ParticipantRequest(command: command, traceparent: message.header(SagaHeaders.traceparent)?.stringValue, logger: logger)
        let answer = await handle(request)
        request.logger.debug("handled a command", metadata: ["outcome": "\(answer.outcome.rawValue)"])
        if request.isPastDeadline(now: Self.now()) {
            request.logger.warning("answered after the command's deadline: the orchestrator counts this attempt as failed and retries")
        }
        var reply = ParticipantReply(to: command, outcome: answer.outcome, reason: answer.reason, output: answer.output)
        var encoded: [UInt8]
        do {
            encoded = try SagaMessageCodec.encode(reply)
        } catch {
            request.logger.error("the handler's output cannot be written as JSON; answering failed-retryable", metadata: ["error": "\(error.message)"])
            return ParticipantReply(to: command, outcome: .failedRetryable, reason: "the participant's output cannot be written as JSON: \(error.message)")
        }
        if encoded.count > configuration.maxReplyBytes {
            let why = "the reply is \(encoded.count) bytes, more than the \(configuration.maxReplyBytes) the participant sends (maxReplyBytes)"
            if command.phase == .pending && reply.outcome == .succeeded {
                request.logger.error("the handler's output is too large; answering rejected", metadata: ["bytes": "\(encoded.count)"])
                reply = ParticipantReply(to: command, outcome: .rejected, reason: why)
            } else {
                request.logger.warning("the handler's output is too large; it is left out of the reply", metadata: ["bytes": "\(encoded.count)"])
                reply = ParticipantReply(to: command, outcome: reply.outcome, reason: reply.reason.map { String($0.prefix(4_096)) })
            }
            encoded = try SagaMessageCodec.encode(reply)
        }
        guard reply.outcome != .failedRetryable else { return reply }
        // Another instance may have answered the same key first: its answer wins.
        return try Self.replay(try await dedupe.record(encoded, for: key, at: Self.now().milliseconds), for: command)
    }

    /// Runs the phase's handler; a thrown error is a retryable failure with its description.
    private func handle(_ request: ParticipantRequest) async -> ParticipantAnswer {
        let started = ContinuousClock.now
        do {
            let answer = try await handlers.handler(for: request.phase)(request)
            instruments.handled(phase: request.phase, outcome: answer.outcome.rawValue, duration: .now - started)
            return answer
        } catch {
            instruments.handled(phase: request.phase, outcome: "error", duration: .now - started)
            request.logger.warning("the handler threw; answering failed-retryable", metadata: ["error": "\(error)"])
            return .retry(String(describing: error))
        }
    }

    /// A recorded reply, as the answer to this attempt of the command (the orchestrator ignores a
    /// reply for another attempt).
    private static func replay(_ recorded: [UInt8], for command: ParticipantCommand) throws -> ParticipantReply {
        guard case .success(var reply) = SagaMessageCodec.decode(ParticipantReply.self, from: recorded) else {
            throw ParticipantError.unreadableRecord("the reply recorded for '\(command.idempotencyKey)' is not a participant reply")
        }
        reply.attempt = command.attempt
        return reply
    }
}
