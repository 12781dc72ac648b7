/// How many sagas of one type finished with one status within a window
/// (``SagaStore/outcomeCounts(finishedSince:)``).
public struct OutcomeCount: Sendable, Hashable {
    /// The saga type.
    public var type: String
    /// The terminal status (`completed`, `compensated`, `failed`, ...).
    public var status: String
    /// How many.
    public var count: Int

    /// Makes a count.
    public init(type: String, status: String, count: Int) {
        self.type = type
        self.status = status
        self.count = count
    }
}

/// One step reply's latency from the progress history (``SagaStore/stepLatencies(since:limit:)``).
public struct StepLatency: Sendable, Hashable {
    /// The phase the step answered in (`execute`, `verify`, `approve`, `compensate`).
    public var phase: String
    /// From the command to the reply, in milliseconds.
    public var milliseconds: Int64

    /// Makes a latency sample.
    public init(phase: String, milliseconds: Int64) {
        self.phase = phase
        self.milliseconds = milliseconds
    }
}
