import Logging
import Synchronization
import Tracing

/// A swift-distributed-tracing `Tracer` that records spans and exports them over OTLP/HTTP, made
/// for a loop that starts and ends thousands of spans a second: starting a span is an id and an
/// object, ending one is an append to a queue under a lock, and everything else (encoding,
/// sending) happens in ``OTLPSpanExporter``, a service of its own, a batch at a time.
///
/// It propagates W3C Trace Context (`traceparent`, `tracestate`). Make one with
/// ``make(_:logger:)``, bootstrap it as the process's tracer and run the exporter in the
/// process's `ServiceGroup`, first, so it stops last and sends what the others ended.
public final class OTLPTracer: Tracer {
    public typealias Span = OTLPSpan

    private let sampler: OTLPSampler
    private let queue: SpanQueue
    /// SplitMix64's state: ids need to be unique and uniform, not secret, and an atomic add is
    /// cheaper than the system generator's call per id.
    private let idState: Atomic<UInt64>

    init(sampler: OTLPSampler, queue: SpanQueue) {
        self.sampler = sampler
        self.queue = queue
        var system = SystemRandomNumberGenerator()
        idState = Atomic(system.next())
    }

    /// A tracer and its exporter, from `configuration`.
    /// - Parameters:
    ///   - configuration: how to sample, batch and export.
    ///   - logger: where the exporter reports failed exports and dropped spans.
    /// - Throws: ``OTLPTracingError`` when the endpoint or the certificate file cannot be used.
    public static func make(_ configuration: OTLPTracingConfiguration, logger: Logger) throws -> (tracer: OTLPTracer, exporter: OTLPSpanExporter) {
        let queue = SpanQueue(capacity: configuration.maxQueueSize, batchSize: configuration.maxExportBatchSize)
        let client = try OTLPHTTPClient(endpoint: try configuration.resolvedEndpoint, headers: configuration.headers,
                                        certificateFile: configuration.certificateFile)
        let tracer = OTLPTracer(sampler: configuration.sampler, queue: queue)
        return (tracer, OTLPSpanExporter(configuration: configuration, queue: queue, client: client, logger: logger))
    }

    private func nextID() -> UInt64 {
        var id: UInt64 = 0
        repeat {
            var z = idState.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            id = z ^ (z >> 31)
        } while id == 0  // all-zero ids are invalid
        return id
    }

    /// Starts a span: a child of the span in `context` (from this process or extracted from
    /// another), or the root of a new trace. Whether it records is the sampler's decision; one
    /// that does not still carries a context to propagate, with the sampled flag clear.
    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> OTLPSpan {
        var childContext = context()
        let parent = childContext.otlpSpanContext
        let traceID = parent?.traceID ?? TraceID(high: nextID(), low: nextID())
        let isSampled = sampler.samples(traceID, parent: parent)
        let spanContext = OTLPSpanContext(traceID: traceID, spanID: SpanID(nextID()), isSampled: isSampled, traceState: parent?.traceState)
        childContext.otlpSpanContext = spanContext
        return OTLPSpan(
            operationName: operationName, context: childContext, spanContext: spanContext, parentSpanID: parent?.spanID,
            kind: kind, startNanoseconds: instant().nanosecondsSinceEpoch, queue: isSampled ? queue : nil
        )
    }

    /// Asks the exporter to send what is queued now rather than at its next turn.
    public func forceFlush() {
        queue.requestFlush()
    }

    /// Reads `traceparent` (and `tracestate`) from `carrier` into `context`; an unreadable one is
    /// ignored, so the next span starts a new trace.
    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let traceparent = extractor.extract(key: "traceparent", from: carrier),
              let spanContext = OTLPSpanContext(traceparent: traceparent, traceState: extractor.extract(key: "tracestate", from: carrier))
        else { return }
        context.otlpSpanContext = spanContext
    }

    /// Writes the `traceparent` (and `tracestate`) of the span in `context` into `carrier`.
    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let spanContext = context.otlpSpanContext else { return }
        injector.inject(spanContext.traceparent, forKey: "traceparent", into: &carrier)
        if let traceState = spanContext.traceState {
            injector.inject(traceState, forKey: "tracestate", into: &carrier)
        }
    }

    /// Log metadata for a line written inside a span: `trace_id` and `span_id`.
    public static var loggingMetadataProvider: Logger.MetadataProvider {
        Logger.MetadataProvider {
            guard let spanContext = ServiceContext.current?.otlpSpanContext else { return [:] }
            return ["trace_id": "\(spanContext.traceID)", "span_id": "\(spanContext.spanID)"]
        }
    }
}
