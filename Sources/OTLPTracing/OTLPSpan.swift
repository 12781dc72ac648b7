import Synchronization
import Tracing

/// A span of ``OTLPTracer``. A recorded one keeps what it is given behind a lock and, when it
/// ends, becomes a ``FinishedSpan`` on the export queue: one lock taken and one array append, no
/// task hop, so ending spans on a busy loop stays cheap. One the sampler dropped only carries its
/// context, for propagation.
public final class OTLPSpan: Span {
    private struct State {
        var operationName: String
        var attributes: SpanAttributes = [:]
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var status: SpanStatus?
        var ended = false
    }

    /// The context this span belongs to: its parent's, with this span's ``OTLPSpanContext``.
    public let context: ServiceContext
    private let spanContext: OTLPSpanContext
    private let parentSpanID: SpanID?
    private let kind: SpanKind
    private let startNanoseconds: UInt64
    /// Where it goes when it ends; `nil` when it is not recorded.
    private let queue: SpanQueue?
    private let state: Mutex<State>

    init(
        operationName: String, context: ServiceContext, spanContext: OTLPSpanContext, parentSpanID: SpanID?,
        kind: SpanKind, startNanoseconds: UInt64, queue: SpanQueue?
    ) {
        self.context = context
        self.spanContext = spanContext
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.queue = queue
        state = Mutex(State(operationName: operationName))
    }

    /// The span's name.
    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { record { $0.operationName = newValue } }
    }

    /// Its attributes.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { record { $0.attributes = newValue } }
    }

    /// Whether what it is given is kept: it was sampled and has not ended.
    public var isRecording: Bool {
        queue != nil && !state.withLock { $0.ended }
    }

    /// Sets its status (the last one set is exported).
    public func setStatus(_ status: SpanStatus) {
        record { $0.status = status }
    }

    /// Adds an event.
    public func addEvent(_ event: SpanEvent) {
        record { $0.events.append(event) }
    }

    /// Adds an `exception` event with the error's type and description, as OpenTelemetry's
    /// semantic conventions name them.
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        guard queue != nil else { return }
        var attributes = attributes
        attributes["exception.type"] = String(describing: type(of: error))
        attributes["exception.message"] = String(describing: error)
        let event = SpanEvent(name: "exception", at: instant(), attributes: attributes)
        record { $0.events.append(event) }
    }

    /// Adds a link to another span.
    public func addLink(_ link: SpanLink) {
        record { $0.links.append(link) }
    }

    /// Ends it: a recorded span is queued for export, once; later calls do nothing.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let queue else { return }
        let ended: State? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let ended else { return }
        queue.append(FinishedSpan(
            context: spanContext, parentSpanID: parentSpanID, name: ended.operationName, kind: kind,
            startNanoseconds: startNanoseconds, endNanoseconds: instant().nanosecondsSinceEpoch,
            attributes: ended.attributes, events: ended.events,
            links: ended.links.compactMap { link in link.context.otlpSpanContext.map { FinishedSpan.Link(context: $0, attributes: link.attributes) } },
            status: ended.status
        ))
    }

    private func record(_ change: (inout State) -> Void) {
        guard queue != nil else { return }
        state.withLock { state in
            guard !state.ended else { return }
            change(&state)
        }
    }
}

/// A span that ended, as it is exported.
struct FinishedSpan: Sendable {
    /// A link to another span.
    struct Link: Sendable {
        var context: OTLPSpanContext
        var attributes: SpanAttributes
    }

    var context: OTLPSpanContext
    var parentSpanID: SpanID?
    var name: String
    var kind: SpanKind
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var attributes: SpanAttributes
    var events: [SpanEvent]
    var links: [Link]
    var status: SpanStatus?
}
