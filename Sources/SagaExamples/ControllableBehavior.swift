import SagaCore

/// What a ``ControllableParticipant`` does with a command: refuse some phases, fail the first
/// attempts, and take its time.
///
/// A start payload changes it for one saga with these fields, at the top level (every step) or under
/// `steps.<step name>` (that step only, over the top level):
///
/// ```json
/// {"refuse": ["verify"], "failAttempts": 1, "delayMs": 300, "steps": {"second": {"refuse": "pending"}}}
/// ```
///
/// - `refuse`: a phase name or a list of them (`pending`, `verify`, `approve`, `compensate`):
///   those commands are rejected.
/// - `failAttempts`: the first this-many attempts of every phase answer failed-retryable.
/// - `delayMs`: how long each command takes, in milliseconds.
public struct ControllableBehavior: Sendable, Hashable {
    /// The phases to reject. Default none.
    public var refuse: Set<SagaPhase>
    /// How many attempts of each phase fail (retryable) before one succeeds. Default 0.
    public var failAttempts: Int
    /// How long each command takes. Default zero.
    public var delay: Duration

    /// - Parameters:
    ///   - refuse: the phases to reject.
    ///   - failAttempts: how many attempts of each phase fail first.
    ///   - delay: how long each command takes.
    public init(refuse: Set<SagaPhase> = [], failAttempts: Int = 0, delay: Duration = .zero) {
        self.refuse = refuse
        self.failAttempts = failAttempts
        self.delay = delay
    }

    /// This behavior with the payload's fields for `step` applied over it.
    /// - Returns: the behavior, or the reason the payload's control fields are invalid.
    public func applying(payload: JSONValue, step: String) -> Result<ControllableBehavior, ControlFieldError> {
        var behavior = self
        let fields = payload.objectValue ?? [:]
        do throws(ControlFieldError) {
            try behavior.apply(fields, path: "payload")
            if let steps = fields["steps"] {
                guard let stepFields = steps.objectValue else { throw ControlFieldError("payload.steps must be an object") }
                if let own = stepFields[step] {
                    guard let ownFields = own.objectValue else { throw ControlFieldError("payload.steps.\(step) must be an object") }
                    try behavior.apply(ownFields, path: "payload.steps.\(step)")
                }
            }
        } catch {
            return .failure(error)
        }
        return .success(behavior)
    }

    private mutating func apply(_ fields: [String: JSONValue], path: String) throws(ControlFieldError) {
        switch fields["refuse"] {
        case nil: break
        case .string(let name)?: refuse = [try Self.phase(name, path: "\(path).refuse")]
        case .array(let names)?:
            refuse = []
            for name in names {
                guard case .string(let text) = name else { throw ControlFieldError("\(path).refuse must hold phase names") }
                refuse.insert(try Self.phase(text, path: "\(path).refuse"))
            }
        default: throw ControlFieldError("\(path).refuse must be a phase name or a list of them")
        }
        if let value = fields["failAttempts"] {
            guard case .int(let count) = value, count >= 0 else { throw ControlFieldError("\(path).failAttempts must be a whole number, 0 or more") }
            failAttempts = Int(clamping: count)
        }
        if let value = fields["delayMs"] {
            guard case .int(let milliseconds) = value, milliseconds >= 0 else { throw ControlFieldError("\(path).delayMs must be a whole number, 0 or more") }
            delay = .milliseconds(milliseconds)
        }
    }

    private static func phase(_ name: String, path: String) throws(ControlFieldError) -> SagaPhase {
        guard let phase = SagaPhase(rawValue: name) else {
            throw ControlFieldError("\(path): '\(name)' is not a phase (pending, verify, approve or compensate)")
        }
        return phase
    }
}

/// A control field of a ``ControllableParticipant``'s payload that cannot be used.
public struct ControlFieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which field, and what is wrong with it.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
