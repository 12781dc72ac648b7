import SagaCore
import Testing

@Suite("Retries, timeouts and the saga deadline")
struct SagaMachineRetryTests {
    @Test func retryableFailureRetriesTheSameStepAndPhaseAfterBackoff() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1), multiplier: 2, maxBackoff: .seconds(10), jitter: 0)))
        h.reply("a", .pending, .failedRetryable, reason: "db busy")
        #expect(h.events.last?.event == .retryScheduled)
        #expect(h.events.last?.retryAt == SagaTime(milliseconds: 1_001_000))
        #expect(h.lastEffects.nextDeadline == SagaTime(milliseconds: 1_001_000))
        #expect(h.sent(.pending) == ["a"], "nothing is sent before the backoff")
        h.fireTimer()
        #expect(h.commands.last?.attempt == 2)
        h.reply("a", .pending, .failedRetryable)
        #expect(h.events.last?.retryAt == SagaTime(milliseconds: 1_003_000), "the second backoff doubles")
    }

    @Test func exhaustedRetriesCompensate() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(100), jitter: 0)))
        h.reply("a", .pending, .failedRetryable)
        h.fireTimer()
        h.reply("a", .pending, .failedRetryable, reason: "still busy")
        #expect(h.state.status == .compensating)
        #expect(h.state.reason?.contains("after 2 attempts") == true)
        #expect(h.sent(.compensate) == ["a"])
    }

    @Test func attemptTimeoutRetriesAndLateReplyOfTheOldAttemptIsStale() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(100), jitter: 0)))
        let first = try #require(h.commands.first)
        h.fireTimer()
        #expect(h.events.contains { $0.event == .stepTimedOut })
        h.fireTimer()
        #expect(h.commands.last?.attempt == 2)
        let effects = h.feed(.reply(ParticipantReply(to: first, outcome: .succeeded)))
        #expect(!effects.applied)
        #expect(h.state.ignoredInputs == 1)
        h.reply("a", .pending)
        #expect(Set(h.sent(.pending)) == ["a", "b", "c"])
    }

    @Test func withoutCommandSentEventsTheRestAreNumberedWithNoGap() throws {
        var h = try Harness(Sagas.fanOut(retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(100), jitter: 0)), commandSentEvents: false)
        h.reply("a", .pending, .failedRetryable)
        h.fireTimer()
        for step in ["a", "b", "c"] { h.reply(step, .pending) }
        #expect(h.commands.contains { $0.step == "a" && $0.attempt == 2 }, "the retry was still sent")
        #expect(!h.events.contains { $0.event == .commandSent })
        #expect(h.events.map(\.sequence) == Array(1...Int64(h.events.count)))
        #expect(h.events.contains { $0.event == .retryScheduled })
    }

    @Test func jitterIsDrawnFromTheStateAndStaysWithinBounds() throws {
        let policy = RetryPolicy(maxAttempts: 5, initialBackoff: .seconds(1), multiplier: 2, maxBackoff: .seconds(10), jitter: 0.5)
        var h1 = try Harness(Sagas.fanOut(retry: policy))
        var h2 = try Harness(Sagas.fanOut(retry: policy))
        h1.reply("a", .pending, .failedRetryable)
        h2.reply("a", .pending, .failedRetryable)
        let delay = try #require(h1.events.last?.retryAt).milliseconds - h1.now.milliseconds
        #expect((500...1500).contains(delay))
        #expect(h1.events == h2.events, "a replay draws the same jitter")
    }

    @Test func sagaDeadlineCompensatesEvenWhileWaiting() throws {
        var h = try Harness(SagaDefinition(type: "slow", steps: [StepDefinition(name: "a", topic: "a", timeout: .minutes(30))], deadline: .minutes(1)))
        #expect(h.lastEffects.nextDeadline == SagaTime(milliseconds: 1_060_000))
        h.fireTimer()
        #expect(h.state.status == .compensating)
        #expect(h.state.reason == "saga deadline passed")
        #expect(h.sent(.compensate) == ["a"], "a step with an unknown outcome is compensated")
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
    }

    @Test func retryThatWouldPassTheDeadlineCompensatesAtOnce() throws {
        var h = try Harness(SagaDefinition(type: "tight", steps: [
            StepDefinition(name: "a", topic: "a", retry: RetryPolicy(maxAttempts: 5, initialBackoff: .seconds(20), maxBackoff: .seconds(20), jitter: 0)),
        ], deadline: .seconds(10)))
        h.reply("a", .pending, .failedRetryable)
        #expect(h.state.status == .compensating)
        #expect(h.state.reason?.contains("saga deadline") == true)
    }

    @Test func earlyTimerChangesNothing() throws {
        var h = try Harness(Sagas.fanOut())
        let before = h.state
        let effects = h.feed(.timer)
        #expect(!effects.applied)
        #expect(h.state == before)
        #expect(effects.events.isEmpty && effects.commands.isEmpty)
    }

    @Test func backoffGrowsAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, initialBackoff: .milliseconds(100), multiplier: 3, maxBackoff: .seconds(1), jitter: 0)
        #expect((1...5).map { policy.backoff(afterAttempt: $0, random: 0.5).milliseconds } == [100, 300, 900, 1000, 1000])
    }
}
