import SagaCore
import Testing

@Suite("Execute, verify, approve")
struct SagaMachineExecuteTests {
    @Test func startSendsPendingOnlyToStepsWithoutDependencies() throws {
        let h = try Harness(Sagas.fanOut())
        #expect(h.sent(.pending) == ["a"])
        #expect(h.state.status == .executing)
        #expect(h.events.first?.event == .sagaStarted)
        let command = try #require(h.commands.first)
        #expect(command.attempt == 1)
        #expect(command.replyTo == .init(topic: "replies", partition: 3))
        #expect(command.payload == ["order": "42"])
        #expect(command.deadline == SagaTime(milliseconds: 1_005_000))
        #expect(h.lastEffects.commands.first?.topic == "a.cmd")
        #expect(h.lastEffects.commands.first?.key == "saga-1")
        #expect(h.lastEffects.nextDeadline == SagaTime(milliseconds: 1_005_000))
    }

    @Test func independentStepsRunInParallelWithDependencyOutputs() throws {
        var h = try Harness(Sagas.fanOut())
        let effects = h.reply("a", .pending, output: ["reservation": "r-1"])
        #expect(Set(effects.commands.map(\.message.step)) == ["b", "c"])
        for command in effects.commands.map(\.message) {
            #expect(command.dependencyOutputs == ["a": ["reservation": "r-1"]])
        }
    }

    @Test func verifyThenApproveThenCompleted() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        #expect(h.sent(.verify).isEmpty)
        h.reply("b", .pending)
        #expect(h.sent(.verify).isEmpty, "verify waits for every step to execute")
        h.reply("c", .pending)
        #expect(Set(h.sent(.verify)) == ["a", "b", "c"])
        #expect(h.state.status == .verifying)
        for step in ["a", "b", "c"] { h.reply(step, .verify) }
        #expect(Set(h.sent(.approve)) == ["a", "b", "c"])
        for step in ["a", "b"] { h.reply(step, .approve) }
        #expect(h.state.status == .approving)
        h.reply("c", .approve)
        #expect(h.state.status == .completed)
        #expect(h.events.last?.event == .sagaCompleted)
        #expect(h.lastEffects.nextDeadline == nil)
        #expect(h.sent(.compensate).isEmpty)
    }

    @Test func stepsLeaveOutPhasesTheyDoNotTakePartIn() throws {
        let definition = SagaDefinition(type: "partial", steps: [
            StepDefinition(name: "a", topic: "a", phases: [.execute, .approve]),
            StepDefinition(name: "b", topic: "b", phases: [.execute]),
        ])
        var h = try Harness(definition)
        h.reply("a", .pending)
        h.reply("b", .pending)
        #expect(h.sent(.verify).isEmpty)
        #expect(h.sent(.approve) == ["a"])
        h.reply("a", .approve)
        #expect(h.state.status == .completed)
    }

    @Test func everyTransitionEmitsTheNextSequenceNumber() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        h.reply("b", .pending, .failedRetryable)
        h.fireTimer()
        #expect(h.events.map(\.sequence) == Array(1...Int64(h.events.count)))
        #expect(h.state.sequence == Int64(h.events.count))
    }

    @Test func idempotencyKeyIsStablePerStepAndPhase() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending, .failedRetryable)
        h.fireTimer()
        let attempts = h.commands.filter { $0.step == "a" && $0.phase == .pending }
        #expect(attempts.map(\.attempt) == [1, 2])
        #expect(Set(attempts.map(\.idempotencyKey)) == ["saga-1/a/pending"])
        h.reply("a", .pending)
        let keys = Set(h.commands.map(\.idempotencyKey))
        #expect(keys == ["saga-1/a/pending", "saga-1/b/pending", "saga-1/c/pending"])
    }
}
