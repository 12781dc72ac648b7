import SagaCore
import SagaStore

/// A saga's progress history in its detail: the numbered events the store kept (its newest
/// `progressHistory`), oldest first.
struct SagaHistory: Encodable, Sendable {
    struct Event: Encodable, Sendable {
        var sequence: Int64
        var time: String
        var event: String
        var phase: String?
        /// For a step's reply: milliseconds from its command to the reply.
        var latencyMs: Int64?
        /// The event as published on the progress topic.
        var detail: JSONValue?
    }

    /// Whether the orchestrator keeps histories (`progressHistory` above 0).
    var enabled: Bool
    /// Events kept per saga.
    var limit: Int
    /// Whether older events were dropped (the first kept is not number 1).
    var truncated: Bool
    var events: [Event]

    init(entries: [ProgressEntry], limit: Int) {
        enabled = limit > 0
        self.limit = limit
        truncated = (entries.first?.sequence ?? 1) > 1
        events = entries.map { entry in
            Event(
                sequence: entry.sequence, time: isoTime(entry.time), event: entry.kind, phase: entry.phase,
                latencyMs: entry.latency, detail: try? JSONValue(parsing: entry.event)
            )
        }
    }
}
