import SagaCore
import Testing

@Suite("Compensation")
struct SagaMachineCompensationTests {
    /// a -> b -> c, a chain.
    static let chain = SagaDefinition(type: "chain", steps: [
        StepDefinition(name: "a", topic: "a"),
        StepDefinition(name: "b", topic: "b", dependsOn: ["a"]),
        StepDefinition(name: "c", topic: "c", dependsOn: ["b"]),
    ])

    @Test func rejectionCompensatesOnlyStepsSentPendingInReverseOrder() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        h.reply("b", .pending)
        h.reply("c", .pending, .rejected, reason: "out of stock")
        #expect(h.state.status == .compensating)
        #expect(h.state.reason == "step 'c' rejected pending: out of stock")
        // b and c depend on a, so a waits for both.
        #expect(Set(h.sent(.compensate)) == ["b", "c"])
        h.reply("b", .compensate)
        #expect(Set(h.sent(.compensate)) == ["b", "c"])
        h.reply("c", .compensate)
        #expect(h.sent(.compensate).last == "a")
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
        #expect(h.events.last?.event == .sagaCompensated)
        #expect(h.sent(.approve).isEmpty)
    }

    @Test func stepsNeverSentPendingAreNotCompensated() throws {
        var h = try Harness(Self.chain)
        h.reply("a", .pending)
        h.reply("b", .pending, .rejected)
        #expect(h.sent(.compensate) == ["b"], "c was never sent a pending command")
        h.reply("b", .compensate)
        #expect(h.sent(.compensate) == ["b", "a"])
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
    }

    @Test func rejectionInApproveCompensatesEverything() throws {
        var h = try Harness(Self.chain)
        for step in ["a", "b", "c"] { h.reply(step, .pending) }
        for step in ["a", "b", "c"] { h.reply(step, .verify) }
        h.reply("a", .approve)
        h.reply("b", .approve, .rejected)
        #expect(h.sent(.compensate) == ["c"])
        h.reply("c", .compensate)
        h.reply("b", .compensate)
        h.reply("a", .compensate)
        #expect(h.sent(.compensate) == ["c", "b", "a"])
        #expect(h.state.status == .compensated)
    }

    @Test func compensationIsRetriedUntilAcknowledged() throws {
        var h = try Harness(Self.chain)
        h.reply("a", .pending, .rejected)
        h.reply("a", .compensate, .failedRetryable)
        h.fireTimer()
        h.reply("a", .compensate, .failedRetryable)
        h.fireTimer()
        #expect(h.commands.filter { $0.phase == .compensate }.map(\.attempt) == [1, 2, 3])
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
    }

    @Test func refusedCompensationFailsTheSagaAndOperatorCanRetryOrForce() throws {
        var h = try Harness(Self.chain)
        h.reply("a", .pending)
        h.reply("b", .pending, .rejected)
        h.reply("b", .compensate, .rejected, reason: "ledger closed")
        #expect(h.state.status == .failed)
        #expect(h.state.failureReason == "step 'b' refused compensation: ledger closed")
        #expect(h.state.reason == "step 'b' rejected pending: rejected")
        #expect(h.events.last?.event == .sagaFailed)
        #expect(h.lastEffects.nextDeadline == nil)
        #expect(!h.sent(.compensate).contains("a"), "a waits for b")

        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .retry, step: "b")))
        #expect(h.state.status == .compensating)
        #expect(h.commands.last?.step == "b" && h.commands.last?.attempt == 1)
        h.reply("b", .compensate, .rejected)
        #expect(h.state.status == .failed)

        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .compensate, step: "b", reason: "fixed by hand")))
        #expect(h.events.contains { $0.event == .compensationForced })
        #expect(h.commands.last?.step == "a")
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
    }

    @Test func exhaustedCompensationRetriesFailTheSaga() throws {
        var h = try Harness(Sagas.fanOut(compensation: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10), jitter: 0)))
        h.reply("a", .pending, .rejected)
        h.fireTimer()
        h.fireTimer()
        h.fireTimer()
        #expect(h.state.status == .failed)
        #expect(h.state.failureReason?.contains("after 2 attempts") == true)
    }

    @Test func lateAcknowledgementOfAGivenUpCompensationIsAccepted() throws {
        var h = try Harness(Sagas.fanOut(compensation: RetryPolicy(maxAttempts: 1, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(10), jitter: 0)))
        h.reply("a", .pending, .rejected)
        h.fireTimer()
        #expect(h.state.status == .failed)
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
        #expect(h.events.last?.event == .sagaCompensated)
    }

    @Test func replyFromTheAbandonedPhaseIsStale() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        let bPending = try #require(h.commands.last { $0.step == "b" })
        h.reply("c", .pending, .rejected)
        let effects = h.feed(.reply(ParticipantReply(to: bPending, outcome: .succeeded)))
        #expect(!effects.applied)
        #expect(h.state.ignoredInputs == 1)
        #expect(Set(h.sent(.compensate)) == ["b", "c"], "b's outcome is unknown: it is compensated anyway")
    }
}
