/// One numbered progress event of a saga as the store keeps it: the saga's progress history.
///
/// Written in the same transaction as the state the event reports (see ``CommitBatch/progress``),
/// so the history a reader gets always matches the state it reads next to it.
public struct ProgressEntry: Sendable, Hashable {
    /// The saga the event is about.
    public var sagaID: String
    /// The event's per-saga sequence number (from 1, without gaps while it is kept).
    public var sequence: Int64
    /// When the event happened, in milliseconds since the Unix epoch.
    public var time: Int64
    /// The event's kind (`stepSucceeded`, `sagaCompleted`, ...).
    public var kind: String
    /// The phase the event is about, when it is about one.
    public var phase: String?
    /// For a step's reply: how long the step took to answer, from its command to its reply, in
    /// milliseconds (what ``SagaStore/stepLatencies(since:limit:)`` reads); `nil` otherwise.
    public var latency: Int64?
    /// The event as published (its JSON document).
    public var event: [UInt8]

    /// Makes an entry; see the properties for each field.
    public init(sagaID: String, sequence: Int64, time: Int64, kind: String, phase: String? = nil, latency: Int64? = nil, event: [UInt8]) {
        self.sagaID = sagaID
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.phase = phase
        self.latency = latency
        self.event = event
    }
}

extension CommitBatch {
    /// The progress entries to write: the newest ``progressLimit`` of each saga (all of them when
    /// the limit is 0 or less, which means no history is kept: the runtime then sends none).
    var progressToWrite: [ProgressEntry] {
        guard progressLimit > 0, !progress.isEmpty else { return [] }
        var newest: [String: Int64] = [:]
        for entry in progress { newest[entry.sagaID] = max(newest[entry.sagaID] ?? entry.sequence, entry.sequence) }
        let limit = Int64(progressLimit)
        return progress.filter { $0.sequence > newest[$0.sagaID, default: 0] - limit }
    }

    /// Per saga with new entries: the lowest sequence number kept (older entries are deleted).
    var progressFloors: [(sagaID: String, floor: Int64)] {
        guard progressLimit > 0, !progress.isEmpty else { return [] }
        var newest: [String: Int64] = [:]
        for entry in progress { newest[entry.sagaID] = max(newest[entry.sagaID] ?? entry.sequence, entry.sequence) }
        let limit = Int64(progressLimit)
        return newest.sorted { $0.key < $1.key }.map { ($0.key, $0.value - limit + 1) }
    }
}
