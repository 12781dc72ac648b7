import SagaCore
import Testing

@Suite("Machine: commands that cannot be published, final outcomes, trace context")
struct SagaMachineUndeliverableTests {
    static let terminalEvents: Set<ProgressEvent.Kind> = [.sagaCompleted, .sagaCompensated]

    @Test("an undeliverable pending command refuses its step: the saga compensates what was sent pending")
    func undeliverablePending() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending)
        #expect(Set(h.sent(.pending)) == ["a", "b", "c"])
        h.feed(.undeliverable(step: "b", phase: .pending, reason: "MSG_SIZE_TOO_LARGE"))
        #expect(h.state.status == .compensating)
        #expect(h.state.reason?.contains("cannot be published: MSG_SIZE_TOO_LARGE") == true)
        #expect(h.events.contains { $0.event == .stepRejected && $0.step == "b" })
        // Dependents first: b and c (both sent pending) before a.
        #expect(Set(h.sent(.compensate)) == ["b", "c"])
        h.reply("b", .compensate)
        h.reply("c", .compensate)
        h.reply("a", .compensate)
        #expect(h.state.status == .compensated)
    }

    @Test("an undeliverable compensate command refuses the compensation: the saga ends failed with the reason")
    func undeliverableCompensate() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending, .rejected)
        #expect(h.sent(.compensate) == ["a"])
        h.feed(.undeliverable(step: "a", phase: .compensate, reason: "too large"))
        #expect(h.state.status == .failed)
        #expect(h.state.failureReason?.contains("compensate command of step 'a' cannot be published: too large") == true)
        #expect(h.events.last?.event == .sagaFailed)
        #expect(h.state.nextDeadline == nil)
    }

    @Test("a stale undeliverable report (another phase, a settled saga, an unknown step) changes nothing")
    func staleReports() throws {
        var h = try Harness(Sagas.fanOut())
        var effects = h.feed(.undeliverable(step: "a", phase: .verify, reason: "x"))
        #expect(!effects.applied)
        effects = h.feed(.undeliverable(step: "zzz", phase: .pending, reason: "x"))
        #expect(!effects.applied)
        #expect(h.state.status == .executing)
    }

    @Test("a saga publishes at most one final event; failed may come before compensated, never after a final event")
    func oneFinalOutcome() throws {
        var h = try Harness(Sagas.fanOut(compensation: RetryPolicy(maxAttempts: 1, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(10), jitter: 0)))
        h.reply("a", .pending, .rejected)
        h.fireTimer()
        #expect(h.state.status == .failed)
        #expect(!h.state.status.isTerminal, "failed waits for an operator or a late answer: it is not final")
        h.reply("a", .compensate)
        h.reply("a", .compensate)
        h.fireTimer()
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .cancel)))
        let finals = h.events.filter { Self.terminalEvents.contains($0.event) }
        #expect(finals.map(\.event) == [.sagaCompensated])
        let lastFinal = try #require(h.events.lastIndex { Self.terminalEvents.contains($0.event) })
        #expect(h.events[(lastFinal + 1)...].allSatisfy { $0.event == .controlRejected }, "after a final event only refusals of controls")
        #expect(h.events.map(\.sequence) == Array(1...Int64(h.events.count)))
    }

    @Test("the start's traceparent is kept in the state and survives the snapshot codec")
    func traceparentKept() throws {
        let plan = try Sagas.fanOut().compile()
        let machine = SagaMachine(plan: plan, replyTopic: "r")
        let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let (state, _) = machine.start(StartSagaCommand(sagaType: "fan-out"), sagaID: "s", replyPartition: 0, now: SagaTime(milliseconds: 1), traceparent: trace)
        #expect(state.traceparent == trace)
        let decoded = try SagaStateCodec.decode(try SagaStateCodec.encode(state))
        #expect(decoded.traceparent == trace)
        #expect(decoded == state)
    }

    @Test("a bare word is not valid JSON, and the reason says so")
    func bareWord() {
        for text in ["nope", "nul", "tru", "fals"] {
            let result = SagaMessageCodec.decodeInbound(Array(text.utf8))
            guard case .failure(let error) = result else {
                Issue.record("'\(text)' was accepted")
                continue
            }
            #expect(error.message.hasPrefix("not valid JSON"), "\(text): \(error.message)")
            let command = SagaMessageCodec.decode(ParticipantCommand.self, from: Array(text.utf8))
            if case .failure(let error) = command {
                #expect(error.message.contains("not valid JSON"), "\(text): \(error.message)")
            }
        }
        if case .failure(let error) = SagaMessageCodec.decodeInbound(Array("null".utf8)) {
            #expect(error.message.contains("messageType"))
        }
    }
}
