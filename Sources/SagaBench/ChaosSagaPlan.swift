import SagaCore

/// What one saga of a chaos run is told to do, and so how it must end.
struct ChaosSagaPlan: Sendable {
    /// The steps of the run's saga type, in dependency order: each depends on the one before.
    static let steps = ["inventory", "payment", "shipping"]

    /// The step and phase whose command the participant refuses (`rejected`), if any.
    var refuse: (step: String, phase: SagaPhase)?
    /// Whether the participant answers the payment step's pending command with an output larger
    /// than the orchestrator accepts (every answer is dead-lettered, so the step times out).
    var oversizeReply = false

    /// The state the saga must end in.
    var expected: SagaStatus { refuse != nil || oversizeReply ? .compensated : .completed }

    /// The start payload that carries the plan to the participants.
    func payload(number: Int) -> JSONValue {
        var object: [String: JSONValue] = ["n": .int(Int64(number))]
        if let refuse { object["refuse"] = .object(["step": .string(refuse.step), "phase": .string(refuse.phase.rawValue)]) }
        if oversizeReply { object["oversizeReply"] = .bool(true) }
        return .object(object)
    }

    /// Plans `count` sagas: about a tenth refused, each in a step and phase drawn from `random`.
    static func plans(count: Int, oversizeReplies: Int, random: inout ChaosRandom) -> [ChaosSagaPlan] {
        (0..<count).map { index in
            var plan = ChaosSagaPlan()
            if index < oversizeReplies {
                plan.oversizeReply = true
            } else if Int.random(in: 0..<10, using: &random) == 0 {
                let phase = [SagaPhase.pending, .verify, .approve].randomElement(using: &random) ?? .pending
                plan.refuse = (steps.randomElement(using: &random) ?? "payment", phase)
            }
            return plan
        }
    }
}
