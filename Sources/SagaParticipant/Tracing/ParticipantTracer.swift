import Kafka
import SagaCore
import Tracing

/// The participant's span around a command's handling: a child of the orchestrator's step
/// attempt span (the command's `traceparent`), whose context goes into the reply.
///
/// Off (no call made) when the tracer is swift-distributed-tracing's `NoOpTracer`.
struct ParticipantTracer: Sendable {
    /// The tracer, `nil` when tracing is off.
    let tracer: (any Tracer)?

    /// - Parameter tracer: the tracer to use; `nil` takes `InstrumentationSystem.tracer`.
    init(_ tracer: (any Tracer)?) {
        let chosen = tracer ?? InstrumentationSystem.tracer
        self.tracer = chosen is NoOpTracer ? nil : chosen
    }

    /// Runs `body` (which finds or makes the reply) inside a span named
    /// `<participant> <phase> <step>`, the span bound as the task's current context, so the
    /// handler's own spans and logs belong to it.
    /// - Returns: the reply, and the keys the tracer propagates for the reply's headers (empty
    ///   when tracing is off).
    func traced(
        _ command: ParticipantCommand, from message: KafkaConsumerMessage, participant: String,
        _ body: () async throws -> ParticipantReply
    ) async throws -> (reply: ParticipantReply, trace: [String: String]) {
        guard let tracer else { return (try await body(), [:]) }
        var parent = ServiceContext.topLevel
        tracer.extract(message.headers, into: &parent, using: HeadersExtractor())
        let span = tracer.startSpan(participant + " " + command.phase.rawValue + " " + command.step, context: parent, ofKind: .consumer)
        span.updateAttributes { attributes in
            attributes["saga.id"] = command.sagaId
            attributes["saga.type"] = command.sagaType
            attributes["saga.step"] = command.step
            attributes["saga.phase"] = command.phase.rawValue
            attributes["saga.attempt"] = command.attempt
            attributes["saga.participant"] = participant
        }
        let reply: ParticipantReply
        do {
            reply = try await ServiceContext.withValue(span.context) { try await body() }
        } catch {
            span.recordError(error)
            span.end()
            throw error
        }
        span.updateAttributes { $0["saga.outcome"] = reply.outcome.rawValue }
        if reply.outcome != .succeeded {
            span.setStatus(SpanStatus(code: .error, message: reply.outcome.rawValue))
        }
        span.end()
        var trace: [String: String] = [:]
        tracer.inject(span.context, into: &trace, using: DictionaryInjector())
        return (reply, trace)
    }

    private struct HeadersExtractor: Extractor {
        func extract(key: String, from carrier: [KafkaHeader]) -> String? {
            for header in carrier where header.name == key {
                return header.value.map { String(decoding: $0, as: UTF8.self) }
            }
            return nil
        }
    }

    private struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }
}
