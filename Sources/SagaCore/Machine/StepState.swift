/// One step's progress in the saga's current phase. Kept small: it is persisted with every transition.
public struct StepState: Hashable, Sendable, Codable {
    /// The step's progress in the current phase.
    public enum Progress: UInt8, Hashable, Sendable, Codable {
        /// Not sent yet in this phase (waiting for its dependencies, or for its dependents in compensation).
        case idle
        /// Sent; waiting for the reply until ``StepState/due``.
        case inFlight
        /// Failed or timed out; the next attempt is sent at ``StepState/due``.
        case backoff
        /// Succeeded in this phase (compensated, in compensation).
        case done
        /// Takes no part in this phase.
        case skipped
        /// Refused compensation for good: needs an operator.
        case refused
    }

    /// The progress in the current phase.
    public internal(set) var progress: Progress
    /// The attempts sent in the current phase.
    public internal(set) var attempt: Int32
    /// For `inFlight`, the attempt's deadline; for `backoff`, when the retry is sent; otherwise 0.
    public internal(set) var due: Int64
    /// Whether the step was ever sent a pending command (and so must be compensated).
    public internal(set) var pendingSent: Bool
    /// The output of the step's pending reply, handed to the steps that depend on it.
    public internal(set) var output: JSONValue?

    init() {
        progress = .idle
        attempt = 0
        due = 0
        pendingSent = false
        output = nil
    }

    enum CodingKeys: String, CodingKey {
        case progress = "p", attempt = "a", due = "d", pendingSent = "s", output = "o"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        progress = try container.decode(Progress.self, forKey: .progress)
        attempt = try container.decodeIfPresent(Int32.self, forKey: .attempt) ?? 0
        due = try container.decodeIfPresent(Int64.self, forKey: .due) ?? 0
        pendingSent = try container.decodeIfPresent(Bool.self, forKey: .pendingSent) ?? false
        output = try container.decodeIfPresent(JSONValue.self, forKey: .output)
    }

    public func encode(to encoder: any Encoder) throws {
        // Zero values are left out to keep the snapshot small.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(progress, forKey: .progress)
        if attempt != 0 { try container.encode(attempt, forKey: .attempt) }
        if due != 0 { try container.encode(due, forKey: .due) }
        if pendingSent { try container.encode(true, forKey: .pendingSent) }
        try container.encodeIfPresent(output, forKey: .output)
    }
}
