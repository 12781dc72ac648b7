import SagaCore
import Testing

@Suite("Operator controls, duplicates and idempotent start")
struct SagaMachineControlTests {
    func control(_ action: ControlCommand.Action, step: String? = nil) -> SagaInput {
        .control(ControlCommand(sagaId: "saga-1", action: action, step: step, reason: "ops"))
    }

    @Test func cancelCompensates() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        h.feed(control(.cancel))
        #expect(h.state.status == .compensating)
        #expect(h.state.reason == "cancelled by operator: ops")
        #expect(Set(h.sent(.compensate)) == ["b", "c"])
    }

    @Test func pauseHoldsCommandsButRecordsRepliesAndResumeSendsThem() throws {
        var h = try Harness(Sagas.fanOut())
        h.feed(control(.pause))
        #expect(h.state.paused)
        let effects = h.reply("a", .pending)
        #expect(effects.applied)
        #expect(effects.commands.isEmpty)
        #expect(h.state.steps[0].progress == .done)
        let resumed = h.feed(control(.resume))
        #expect(Set(resumed.commands.map(\.message.step)) == ["b", "c"])
    }

    @Test func pausedSagaHoldsRetriesWithoutSpinningTheTimer() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(100), jitter: 0)))
        h.feed(control(.pause))
        h.reply("a", .pending, .failedRetryable)
        #expect(h.lastEffects.nextDeadline == h.state.deadline, "only the saga deadline is armed")
        h.advance(by: 1_000)
        h.feed(control(.resume))
        #expect(h.commands.last?.attempt == 2)
    }

    @Test func deadlinePassingWhilePausedTurnsTheSagaAroundButHoldsCommands() throws {
        var h = try Harness(SagaDefinition(type: "p", steps: [StepDefinition(name: "a", topic: "a", timeout: .hours(2))], deadline: .minutes(1)))
        h.feed(control(.pause))
        h.fireTimer()
        #expect(h.state.status == .compensating)
        #expect(h.sent(.compensate).isEmpty)
        #expect(h.lastEffects.nextDeadline == nil, "nothing is due until an operator resumes")
        h.feed(control(.resume))
        #expect(h.sent(.compensate) == ["a"])
    }

    @Test func retryControlSkipsTheBackoff() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 3, initialBackoff: .minutes(1), maxBackoff: .minutes(1), jitter: 0)))
        h.reply("a", .pending, .failedRetryable)
        let effects = h.feed(control(.retry, step: "a"))
        #expect(effects.commands.first?.message.attempt == 2)
    }

    @Test func forcedCompensation() throws {
        var h = try Harness(Sagas.fanOut())
        h.feed(control(.compensate))
        #expect(h.state.status == .compensating)
        #expect(h.sent(.compensate) == ["a"])
    }

    @Test func controlsThatDoNotApplyAreRejectedVisibly() throws {
        var h = try Harness(Sagas.fanOut())
        h.feed(control(.resume))
        #expect(h.events.last?.event == .controlRejected)
        h.feed(control(.retry, step: "nope"))
        #expect(h.events.last?.event == .controlRejected)
        #expect(h.state.status == .executing)
    }

    @Test func duplicateAndStaleRepliesChangeNothingButAreCounted() throws {
        var h = try Harness(Sagas.fanOut())
        let aPending = try #require(h.commands.first)
        h.reply("a", .pending)
        let snapshot = h.state
        let inputs: [ParticipantReply] = [
            ParticipantReply(to: aPending, outcome: .succeeded),
            ParticipantReply(to: aPending, outcome: .rejected),
            ParticipantReply(sagaId: "saga-1", step: "zzz", phase: .pending, attempt: 1, outcome: .succeeded),
            ParticipantReply(sagaId: "saga-1", step: "b", phase: .verify, attempt: 1, outcome: .succeeded),
            ParticipantReply(sagaId: "saga-1", step: "b", phase: .pending, attempt: 7, outcome: .succeeded),
        ]
        for reply in inputs {
            let effects = h.feed(.reply(reply))
            #expect(!effects.applied)
            #expect(effects.commands.isEmpty && effects.events.isEmpty)
        }
        #expect(h.state.ignoredInputs == 5)
        var expected = snapshot
        expected = h.state
        #expect(expected.status == snapshot.status && expected.steps == snapshot.steps && expected.sequence == snapshot.sequence)
    }

    @Test func repliesAfterTheEndAreIgnored() throws {
        var h = try Harness(SagaDefinition(type: "one", steps: [StepDefinition(name: "a", topic: "a")]))
        h.reply("a", .pending)
        h.reply("a", .verify)
        h.reply("a", .approve)
        #expect(h.state.status == .completed)
        let effects = h.reply("a", .approve)
        #expect(!effects.applied)
        #expect(h.state.ignoredInputs == 1)
    }

    @Test func derivedSagaIDIsStableAndDistinct() {
        let one = SagaStart.derivedSagaID(sagaType: "checkout", businessKey: "order-1")
        #expect(one == SagaStart.derivedSagaID(sagaType: "checkout", businessKey: "order-1"))
        #expect(one != SagaStart.derivedSagaID(sagaType: "checkout", businessKey: "order-2"))
        #expect(one != SagaStart.derivedSagaID(sagaType: "refund", businessKey: "order-1"))
        #expect(one.count == 36)
        #expect(one.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(Array(one)[14] == "8", "version 8 UUID")
        // Known answers computed independently (Python hashlib), documented in schemas/README.md.
        #expect(one == "98c20917-cc3f-8e55-9dfc-7c04c7e32d2d")
        #expect(SagaStart.derivedSagaID(sagaType: String(repeating: "x", count: 100), businessKey: String(repeating: "é", count: 40))
            == "d3aa8f89-1afd-8b6d-bb2d-2adcc74d43fa")
        #expect(SagaStart.sagaID(for: StartSagaCommand(sagaType: "checkout", businessKey: "order-1")) == one)
        #expect(SagaStart.sagaID(for: StartSagaCommand(sagaType: "checkout", sagaId: "given", businessKey: "order-1")) == "given")
        #expect(SagaStart.sagaID(for: StartSagaCommand(sagaType: "checkout")) == nil)
    }

    @Test func duplicateStartNeverCreatesASecondSaga() throws {
        var h = try Harness(Sagas.fanOut())
        let duplicate = StartSagaCommand(sagaType: "fan-out", sagaId: "saga-1")
        #expect(SagaStart.resolve(duplicate, existing: h.state, newID: "x") == .duplicate(of: "saga-1"))
        #expect(SagaStart.resolve(duplicate, existing: nil, newID: "x") == .create(sagaID: "saga-1"))
        #expect(SagaStart.resolve(StartSagaCommand(sagaType: "fan-out"), existing: nil, newID: "x") == .create(sagaID: "x"))

        let before = h.state.steps
        var effects = h.feed(.start(duplicate))
        #expect(effects.events.map(\.event) == [.startDeduplicated])
        #expect(effects.commands.isEmpty)
        var rejecting = duplicate
        rejecting.onConflict = .reject
        effects = h.feed(.start(rejecting))
        #expect(effects.events.map(\.event) == [.startRejected])
        effects = h.feed(.start(StartSagaCommand(sagaType: "other", sagaId: "saga-1")))
        #expect(effects.events.map(\.event) == [.startRejected])
        #expect(h.state.steps == before)
        #expect(h.state.ignoredInputs == 3)
    }

    @Test func aMachineRefusesTheStateOfAnotherVersion() throws {
        var h = try Harness(Sagas.fanOut())
        var v2 = Sagas.fanOut()
        v2.version = 2
        let other = SagaMachine(plan: try v2.compile(), replyTopic: "replies")
        let before = h.state
        let effects = other.handle(.timer, state: &h.state, now: h.now)
        #expect(!effects.applied)
        #expect(h.state == before)
    }

    @Test func stateRoundTripsCompactly() throws {
        var h = try Harness(Sagas.checkout, payload: .emptyObject, sagaID: "7f1c0a52-3a4e-4f0e-9b1e-2f4a3c5d6e7f")
        h.reply("payment", .pending, output: ["charge": "ch_1"])
        let data = try JSONEncoderForTests.encode(h.state)
        let decoded = try JSONDecoderForTests.decode(SagaState.self, from: data)
        #expect(decoded == h.state)
        #expect(data.count < 512)
        // A decoded saga continues exactly as the original would.
        var copy = h
        copy.state = decoded
        #expect(copy.feed(.timer) == h.feed(.timer))
    }
}
