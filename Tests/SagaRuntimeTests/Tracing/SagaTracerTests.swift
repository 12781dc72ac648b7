import InMemoryTracing
import Kafka
import SagaCore
import Synchronization
import Testing
import Tracing

@testable import SagaRuntime

/// The orchestrator's span bookkeeping, driven through the pure saga machine with an in-memory
/// tracer: which spans open and close on which transitions, their parents, and what goes on the
/// commands.
@Suite("saga spans")
struct SagaTracerTests {
    /// Two steps, the second depending on the first, a 1 s timeout and two attempts each.
    static let plan = try! SagaPlan(SagaDefinition(type: "order", steps: [
        StepDefinition(name: "reserve", topic: "inventory", timeout: .seconds(1), retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10))),
        StepDefinition(name: "charge", topic: "payment", dependsOn: ["reserve"], timeout: .seconds(1), retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10))),
    ]))

    /// A saga driven through the machine, with the spans a partition keeps for it.
    struct Driven {
        let tracer = InMemoryTracer()
        let sagaTracer: SagaTracer
        let machine = SagaMachine(plan: SagaTracerTests.plan, replyTopic: "saga.replies")
        var spans = SagaSpans()
        var state: SagaState
        /// The commands in flight and the trace keys each was published with.
        var inFlight: [(command: ParticipantCommand, trace: [String: String])] = []
        var now = SagaTime(milliseconds: 1_000_000)

        /// Starts a saga under a client's span (given as headers, the way a start arrives).
        init(clientSpan: InMemorySpan) {
            sagaTracer = SagaTracer(tracer)
            var headers: [String: String] = [:]
            tracer.inject(clientSpan.context, into: &headers, using: TraceCarrier.DictionaryInjector())
            let started = sagaTracer.startSaga(sagaType: "order", headers: headers.map { KafkaHeader(name: $0.key, value: Array($0.value.utf8)) })!
            spans.open["s-1"] = SagaSpans.Open(saga: started.span)
            let (state, effects) = machine.start(StartSagaCommand(sagaType: "order"), sagaID: "s-1", replyPartition: 0, now: now, traceparent: started.traceparent ?? TraceContext.newTraceparent())
            self.state = state
            record(effects)
        }

        mutating func record(_ effects: SagaEffects) {
            sagaTracer.observe(effects.events, of: state, in: &spans)
            for command in effects.commands {
                inFlight.append((command.message, sagaTracer.startAttempt(command.message, of: state, in: &spans)))
            }
        }

        /// Answers every command in flight with `outcome`.
        mutating func answerAll(_ outcome: ReplyOutcome) {
            let commands = inFlight
            inFlight = []
            for (command, _) in commands {
                now = now.advanced(by: .milliseconds(5))
                let effects = machine.handle(.reply(ParticipantReply(to: command, outcome: outcome)), state: &state, now: now)
                record(effects)
            }
        }

        /// Lets time pass and fires the timer.
        mutating func fire(after duration: SagaDuration) {
            now = now.advanced(by: duration)
            inFlight = []
            record(machine.handle(.timer, state: &state, now: now))
        }
    }

    @Test("a saga that completes: one trace under the client's span, saga → phase → step attempt, each command carrying its attempt span, nothing left open")
    func completedSaga() throws {
        let client = InMemoryTracer().startSpan("client")
        var driven = Driven(clientSpan: client)
        // reserve (pending), then charge (pending), then verify both, then approve both.
        var published: [(command: ParticipantCommand, trace: [String: String])] = []
        for _ in 0..<6 {
            guard !driven.inFlight.isEmpty else { break }
            published += driven.inFlight
            driven.answerAll(.succeeded)
        }
        #expect(driven.state.status == .completed)
        #expect(driven.spans.open.isEmpty, "a finished saga leaves no open span: \(driven.spans.open.keys)")

        let finished = driven.tracer.finishedSpans
        let names = finished.map(\.operationName)
        #expect(names.filter { $0 == "saga order" }.count == 1, "\(names)")
        #expect(Set(names.filter { $0.hasPrefix("phase ") }) == ["phase pending", "phase verify", "phase approve"], "\(names)")
        let attempts = finished.filter { $0.operationName.hasPrefix("step ") }
        #expect(attempts.count == 6, "\(names)")
        #expect(Set(attempts.map(\.operationName)) == ["step reserve attempt 1", "step charge attempt 1"])

        let saga = try #require(finished.first { $0.operationName == "saga order" })
        #expect(saga.traceID == client.traceID, "the saga continues the client's trace")
        #expect(saga.parentSpanID == client.spanID)
        #expect(finished.allSatisfy { $0.traceID == client.traceID }, "one trace")
        let phases = Dictionary(uniqueKeysWithValues: finished.filter { $0.operationName.hasPrefix("phase ") }.map { ($0.spanID, $0) })
        for phase in phases.values { #expect(phase.parentSpanID == saga.spanID, "\(phase.operationName)") }
        for attempt in attempts {
            let parent = try #require(attempt.parentSpanID.flatMap { phases[$0] }, "\(attempt.operationName) is not under a phase")
            let phase = text(attempt.attributes.get("saga.phase")) ?? ""
            #expect(parent.operationName == "phase " + phase, "\(attempt.operationName) in \(phase) under \(parent.operationName)")
            #expect(attempt.attributes.get("saga.outcome") == .string(ProgressEvent.Kind.stepSucceeded.rawValue))
            #expect(attempt.attributes.get("saga.id") == .string("s-1"))
        }
        #expect(saga.attributes.get("saga.outcome") == .string("sagaCompleted"))
        #expect(saga.status == nil, "a completed saga is not an error")

        // Each command was published with its own attempt span's context.
        let attemptIDs = Set(attempts.map(\.spanID))
        let carried = published.compactMap { $0.trace[InMemoryTracer.spanIDKey] }
        #expect(carried.count == 6)
        #expect(Set(carried) == attemptIDs, "commands carry \(carried), attempts are \(attemptIDs)")
    }

    @Test("a timed-out attempt ends as stepTimedOut and its retry gets a span of its own; a rejection compensates under a compensate phase span")
    func timeoutRetryAndCompensation() throws {
        let client = InMemoryTracer().startSpan("client")
        var driven = Driven(clientSpan: client)
        // reserve attempt 1 gets no reply: the timer times it out and schedules a retry…
        driven.fire(after: .seconds(2))
        // …which the next firing sends as attempt 2.
        driven.fire(after: .milliseconds(100))
        #expect(driven.inFlight.map(\.command.attempt) == [2], "\(driven.inFlight.map(\.command))")
        let first = try #require(driven.tracer.finishedSpans.first { $0.operationName == "step reserve attempt 1" })
        #expect(first.attributes.get("saga.outcome") == .string("stepTimedOut"))
        #expect(first.status?.code == .error)
        #expect(driven.spans.open["s-1"]?.attempts.count == 1, "attempt 2 is open")

        // Attempt 2 is rejected: the saga compensates reserve, then ends compensated.
        driven.answerAll(.rejected)
        #expect(driven.state.status == .compensating)
        #expect(driven.inFlight.map(\.command.phase) == [.compensate])
        driven.answerAll(.succeeded)
        #expect(driven.state.status == .compensated)
        #expect(driven.spans.open.isEmpty)

        let finished = driven.tracer.finishedSpans
        let second = try #require(finished.first { $0.operationName == "step reserve attempt 2" && $0.attributes.get("saga.phase") == .string("pending") })
        #expect(second.attributes.get("saga.outcome") == .string("stepRejected"))
        let compensate = try #require(finished.first { $0.operationName == "phase compensate" })
        let saga = try #require(finished.first { $0.operationName == "saga order" })
        #expect(compensate.parentSpanID == saga.spanID, "the compensate phase is a child of the saga, not of the phase it ended")
        let undo = try #require(finished.first { $0.attributes.get("saga.phase") == .string("compensate") && $0.operationName.hasPrefix("step ") })
        #expect(undo.parentSpanID == compensate.spanID)
        #expect(undo.attributes.get("saga.outcome") == .string("stepCompensated"))
        #expect(saga.attributes.get("saga.outcome") == .string("sagaCompensated"))
    }

    @Test("with nothing bootstrapped (NoOpTracer) tracing is off: no span, no header")
    func offWithNoOpTracer() {
        let off = SagaTracer(NoOpTracer())
        #expect(!off.isEnabled)
        #expect(off.startSaga(sagaType: "t", headers: []).map { _ in true } == nil)
        #expect(!SagaTracer().isEnabled, "the process has no tracer bootstrapped in this test run")
    }

    private func text(_ attribute: SpanAttribute?) -> String? {
        if case .string(let value) = attribute { return value }
        return nil
    }

    @Test("a saga whose trace is not sampled costs one span request: no phase or attempt span, its commands keep the saga's unsampled traceparent, nothing is kept open")
    func unsampledSaga() throws {
        let tracer = DroppingTracer()
        let sagaTracer = SagaTracer(tracer)
        let started = try #require(sagaTracer.startSaga(sagaType: "order", headers: []))
        #expect(started.span == nil, "a dropped saga span is not kept")
        let traceparent = try #require(started.traceparent)
        #expect(!TraceCarrier.isSampled(traceparent))

        let machine = SagaMachine(plan: Self.plan, replyTopic: "saga.replies")
        var now = SagaTime(milliseconds: 1_000_000)
        var spans = SagaSpans()
        var (state, effects) = machine.start(StartSagaCommand(sagaType: "order"), sagaID: "s-1", replyPartition: 0, now: now, traceparent: traceparent)
        var commands = 0
        for _ in 0..<10 where !effects.commands.isEmpty {
            sagaTracer.observe(effects.events, of: state, in: &spans)
            var next = SagaEffects()
            for command in effects.commands {
                commands += 1
                #expect(sagaTracer.startAttempt(command.message, of: state, in: &spans).isEmpty, "no span context of its own on \(command.message.step)")
                now = now.advanced(by: .milliseconds(5))
                let answered = machine.handle(.reply(ParticipantReply(to: command.message, outcome: .succeeded)), state: &state, now: now)
                next.events += answered.events
                next.commands += answered.commands
            }
            effects = next
        }
        sagaTracer.observe(effects.events, of: state, in: &spans)
        #expect(state.status == .completed)
        #expect(commands == 6)
        #expect(tracer.started.withLock { $0 } == 1, "only the saga span was asked for")
        #expect(spans.open.isEmpty)
    }

    @Test("a saga with no open spans here (after a restart or a move) is traced again when its traceparent is sampled, and not when it is not")
    func resumedSagaFollowsItsTraceparent() throws {
        for (flags, traced) in [("01", true), ("00", false)] {
            let tracer = InMemoryTracer()
            let sagaTracer = SagaTracer(tracer)
            let machine = SagaMachine(plan: Self.plan, replyTopic: "saga.replies")
            var spans = SagaSpans()
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + flags
            let (state, effects) = machine.start(StartSagaCommand(sagaType: "order"), sagaID: "s-1", replyPartition: 0, now: SagaTime(milliseconds: 1_000_000), traceparent: traceparent)
            sagaTracer.observe(effects.events, of: state, in: &spans)
            let command = try #require(effects.commands.first)
            let carried = sagaTracer.startAttempt(command.message, of: state, in: &spans)
            #expect(!carried.isEmpty == traced, "flags \(flags): \(carried)")
            #expect((spans.open["s-1"]?.attempts.count ?? 0) == (traced ? 1 : 0), "flags \(flags)")
            #expect((spans.open["s-1"]?.phase != nil) == traced, "flags \(flags)")
        }
        #expect(TraceCarrier.isSampled(nil), "no traceparent leaves the choice to the sampler")
        #expect(TraceCarrier.isSampled("garbage"))
    }

    @Test("a progress event's trace id is the saga traceparent's")
    func traceIDOfTraceparent() {
        #expect(TraceCarrier.traceID(of: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceCarrier.traceID(of: "garbage") == nil)
        #expect(TraceCarrier.traceID(of: nil) == nil)
    }
}

@Suite("progress event trace id")
struct ProgressEventTraceIDTests {
    @Test("traceId is written and read back; an event without it (older producers) reads as nil")
    func roundTrip() throws {
        var event = ProgressEvent(sagaId: "s-1", sagaType: "order", sagaVersion: 1, sequence: 1, event: .sagaStarted, state: .executing, time: SagaTime(milliseconds: 5))
        event.traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
        let bytes = try SagaMessageCodec.encode(event)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""traceId":"4bf92f3577b34da6a3ce929d0e0e4736""#))
        guard case .success(let decoded) = SagaMessageCodec.decode(ProgressEvent.self, from: bytes) else {
            Issue.record("the event does not decode")
            return
        }
        #expect(decoded.traceId == event.traceId)
        #expect(decoded == event)

        event.traceId = nil
        let old = try SagaMessageCodec.encode(event)
        #expect(!String(decoding: old, as: UTF8.self).contains("traceId"))
        guard case .success(let without) = SagaMessageCodec.decode(ProgressEvent.self, from: old) else {
            Issue.record("an event without traceId does not decode")
            return
        }
        #expect(without.traceId == nil)
    }
}

/// A tracer whose sampler drops every trace, as OTLPTracer's does for an unsampled one: spans that
/// do not record, and a `traceparent` with the sampled flag clear. It counts the spans asked of it.
final class DroppingTracer: Tracer, Sendable {
    let started = Mutex(0)

    func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> NoOpTracer.NoOpSpan {
        started.withLock { $0 += 1 }
        return NoOpTracer.NoOpSpan(context: context())
    }

    func forceFlush() {}

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract) where Extract.Carrier == Carrier {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject) where Inject.Carrier == Carrier {
        injector.inject("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", forKey: SagaHeaders.traceparent, into: &carrier)
    }
}
