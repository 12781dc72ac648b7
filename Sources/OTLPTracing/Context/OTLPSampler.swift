/// Which traces are recorded: the OpenTelemetry samplers `OTEL_TRACES_SAMPLER` names.
///
/// A span with a parent follows its parent's sampled flag under the parent-based samplers (the
/// default), so a trace is recorded whole or not at all across processes; a root span (no parent)
/// is decided by the root rule.
public struct OTLPSampler: Sendable, Hashable {
    /// How a root span is decided.
    public enum Root: Sendable, Hashable {
        /// Every trace.
        case always
        /// No trace.
        case never
        /// This fraction of traces (0 to 1), decided by the trace id, so every process that sees
        /// the id decides alike.
        case ratio(Double)
    }

    /// How a root span is decided.
    public var root: Root
    /// Whether a span with a parent follows the parent's sampled flag (else `root` decides it too).
    public var followsParent: Bool

    /// - Parameters:
    ///   - root: how a root span is decided.
    ///   - followsParent: whether a child follows its parent's sampled flag.
    public init(root: Root, followsParent: Bool = true) {
        self.root = root
        self.followsParent = followsParent
    }

    /// OpenTelemetry's default, `parentbased_always_on`.
    public static let parentBasedAlwaysOn = OTLPSampler(root: .always)

    /// Whether a new span in trace `traceID`, with parent `parent`, is recorded.
    func samples(_ traceID: TraceID, parent: OTLPSpanContext?) -> Bool {
        if followsParent, let parent { return parent.isSampled }
        switch root {
        case .always: return true
        case .never: return false
        case .ratio(let ratio):
            // The last 8 bytes of a random trace id are uniform: below ratio × 2^63 (top bit dropped,
            // so the bound fits) with probability `ratio`.
            guard ratio < 1 else { return true }
            guard ratio > 0 else { return false }
            return traceID.low >> 1 < UInt64(ratio * 9_223_372_036_854_775_808.0)
        }
    }
}
