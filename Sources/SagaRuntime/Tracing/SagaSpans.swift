import SagaCore
import Tracing

/// The spans one partition has open: per saga, its saga span, its current phase span and one span
/// per step attempt in flight.
///
/// It lives with the partition (``OwnedPartition``) and goes with it on revoke. A span open when
/// the process stops or the partition moves is never ended, so never exported: the new owner
/// continues the saga's trace under the saga's `traceparent`, without the saga and phase spans
/// that were lost.
struct SagaSpans {
    /// An attempt span's slot: a step in a phase (a retry ends the previous attempt's span).
    struct AttemptKey: Hashable {
        var step: String
        var phase: SagaPhase
    }

    /// What one saga has open.
    struct Open {
        var saga: (any Span)?
        var phase: (any Span)?
        var attempts: [AttemptKey: any Span] = [:]
    }

    /// Open spans by saga id.
    var open: [String: Open] = [:]

    /// Forgets a saga's spans without ending them (its transition was not kept).
    mutating func discard(_ sagaID: String) {
        open[sagaID] = nil
    }
}
