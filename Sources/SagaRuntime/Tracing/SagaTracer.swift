import Kafka
import SagaCore
import Tracing

/// Records a saga's spans: `saga <type>` from start to its end, `phase <name>` for each phase,
/// and `step <name> attempt <n>` from the command's publication to its reply or timeout, and
/// puts each attempt span's context on its command.
///
/// When the tracer is swift-distributed-tracing's `NoOpTracer` (nothing bootstrapped), tracing is
/// off and the applier makes no call here at all. A saga whose trace is not sampled (its saga span
/// does not record, or its `traceparent`'s sampled flag is clear) gets no other span: its commands
/// carry the saga's `traceparent`, whose flag tells the participant not to record either.
struct SagaTracer: Sendable {
    /// The tracer, `nil` when tracing is off.
    let tracer: (any Tracer)?

    /// - Parameter tracer: the tracer to use; `nil` takes `InstrumentationSystem.tracer`.
    init(_ tracer: (any Tracer)? = nil) {
        let chosen = tracer ?? InstrumentationSystem.tracer
        self.tracer = chosen is NoOpTracer ? nil : chosen
    }

    /// Whether spans are recorded.
    var isEnabled: Bool { tracer != nil }

    /// Starts a saga's span, a child of the context its start command carried (a new trace when
    /// it carried none).
    /// - Returns: the span (`nil` when the sampler dropped it: nothing to keep or end), and its
    ///   `traceparent` when the tracer propagates W3C Trace Context.
    func startSaga(sagaType: String, headers: [KafkaHeader]) -> (span: (any Span)?, traceparent: String?)? {
        guard let tracer else { return nil }
        var parent = ServiceContext.topLevel
        tracer.extract(headers, into: &parent, using: TraceCarrier.HeadersExtractor())
        let span = tracer.startSpan("saga " + sagaType, context: parent, ofKind: .server)
        var injected: [String: String] = [:]
        tracer.inject(span.context, into: &injected, using: TraceCarrier.DictionaryInjector())
        // Its attributes are set when it ends (``endSaga(_:of:outcome:)``).
        return (span.isRecording ? span : nil, injected[SagaHeaders.traceparent])
    }

    /// Ends and starts spans for the progress events of one transition of `state`.
    func observe(_ events: [ProgressEvent], of state: SagaState, in spans: inout SagaSpans) {
        guard let tracer, !events.isEmpty else { return }
        // Taken out while it changes, so its dictionary of attempts is not copied (copy on write).
        guard var open = spans.open.removeValue(forKey: state.sagaID) ?? Self.resumed(state) else { return }
        for event in events {
            switch event.event {
            case .sagaStarted, .phaseStarted, .compensationStarted:
                // A phase is a child of the saga, not of the phase before it.
                open.phase?.end()
                open.phase = nil
                let phase = event.phase ?? state.status.phase
                let span = tracer.startSpan("phase " + phase.rawValue, context: parentContext(open, state, tracer), ofKind: .internal)
                span.attributes = SpanAttributes(["saga.id": .string(state.sagaID), "saga.phase": .string(phase.rawValue)])
                open.phase = span
            case .stepSucceeded, .stepFailed, .stepRejected, .stepTimedOut, .stepCompensated, .compensationRefused:
                guard let step = event.step, let phase = event.phase else { continue }
                let key = SagaSpans.AttemptKey(step: step, phase: phase)
                guard let span = open.attempts.removeValue(forKey: key) else { continue }
                Self.endAttempt(span, key, of: state, outcome: event.event)
            case .sagaCompleted, .sagaCompensated, .sagaFailed:
                for (key, span) in open.attempts { Self.endAttempt(span, key, of: state, outcome: event.event) }
                open.attempts = [:]
                if let phase = open.phase {
                    phase.updateAttributes { $0["saga.outcome"] = event.event.rawValue }
                    Self.finish(phase, outcome: event.event)
                }
                if let saga = open.saga { Self.endSaga(saga, of: state, outcome: event.event) }
                return
            default:
                continue
            }
        }
        spans.open[state.sagaID] = open
    }

    /// Starts the span of a command's attempt, ending the previous attempt of the same step and
    /// phase if it is still open.
    /// - Returns: the keys the tracer propagates (`traceparent`), for the command's headers.
    func startAttempt(_ command: ParticipantCommand, of state: SagaState, in spans: inout SagaSpans) -> [String: String] {
        guard let tracer, var open = spans.open.removeValue(forKey: state.sagaID) ?? Self.resumed(state) else { return [:] }
        let key = SagaSpans.AttemptKey(step: command.step, phase: command.phase)
        if let previous = open.attempts[key] { Self.endAttempt(previous, key, of: state, outcome: Self.superseded) }
        // Its attributes are set when it ends (``endAttempt(_:_:of:outcome:)``).
        let span = tracer.startSpan("step \(command.step) attempt \(command.attempt)", context: parentContext(open, state, tracer), ofKind: .producer)
        open.attempts[key] = span
        spans.open[state.sagaID] = open
        var injected: [String: String] = [:]
        tracer.inject(span.context, into: &injected, using: TraceCarrier.DictionaryInjector())
        return injected
    }

    /// What a saga with no open spans here starts from: nothing, when its trace is not sampled (its
    /// spans would be dropped one by one, each costing its creation); else no span yet (it was
    /// started before a restart or a move, or this is its first span since).
    private static func resumed(_ state: SagaState) -> SagaSpans.Open? {
        TraceCarrier.isSampled(state.traceparent) ? SagaSpans.Open() : nil
    }

    /// The outcome of an attempt replaced by the next one before its reply was seen.
    static let superseded = ProgressEvent.Kind(rawValue: "superseded")

    // A span's attributes are set once, when it ends, from one dictionary: each change copies them,
    // and each is converted and encoded for every span exported, so there are few (the saga's type
    // is on the saga span, an attempt's number in its name).

    /// Ends an attempt's span.
    private static func endAttempt(_ span: any Span, _ key: SagaSpans.AttemptKey, of state: SagaState, outcome: ProgressEvent.Kind) {
        span.attributes = SpanAttributes([
            "saga.id": .string(state.sagaID), "saga.step": .string(key.step), "saga.phase": .string(key.phase.rawValue),
            "saga.outcome": .string(outcome.rawValue),
        ])
        finish(span, outcome: outcome)
    }

    /// Ends a saga's span.
    private static func endSaga(_ span: any Span, of state: SagaState, outcome: ProgressEvent.Kind) {
        span.attributes = SpanAttributes([
            "saga.id": .string(state.sagaID), "saga.type": .string(state.sagaType), "saga.outcome": .string(outcome.rawValue),
        ])
        finish(span, outcome: outcome)
    }

    /// Sets the status an outcome gives a span (an error for a failure) and ends it.
    private static func finish(_ span: any Span, outcome: ProgressEvent.Kind) {
        switch outcome {
        case .stepRejected, .stepTimedOut, .stepFailed, .compensationRefused, .sagaFailed:
            span.setStatus(SpanStatus(code: .error, message: outcome.rawValue))
        default:
            break
        }
        span.end()
    }

    /// The phase span, else the saga span, else (after a restart or a move, when both are gone)
    /// the saga's `traceparent`.
    private func parentContext(_ open: SagaSpans.Open, _ state: SagaState, _ tracer: any Tracer) -> ServiceContext {
        if let phase = open.phase { return phase.context }
        if let saga = open.saga { return saga.context }
        var context = ServiceContext.topLevel
        if let traceparent = state.traceparent {
            tracer.extract([SagaHeaders.traceparent: traceparent], into: &context, using: TraceCarrier.DictionaryExtractor())
        }
        return context
    }
}
