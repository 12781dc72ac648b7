import SagaCore

/// How the run's participants answer a command: as the saga's ``ChaosSagaPlan`` in its payload
/// says. A pure function of the command, so a duplicate reply sent later says the same.
enum ChaosScript {
    /// Bytes of the output of an oversize reply: over the orchestrator's 256 KiB input limit.
    static let oversizeOutputBytes = 300_000

    /// The outcome, reason and output for `command`.
    static func answer(_ command: ParticipantCommand) -> (ReplyOutcome, String?, JSONValue?) {
        let payload = command.payload.objectValue ?? [:]
        if command.phase != .compensate, case .object(let refuse)? = payload["refuse"],
           refuse["step"] == .string(command.step), refuse["phase"] == .string(command.phase.rawValue) {
            return (.rejected, "refused on purpose by the chaos run", nil)
        }
        if payload["oversizeReply"] == .bool(true), command.step == "payment", command.phase == .pending {
            return (.succeeded, nil, .object(["blob": .string(String(repeating: "z", count: oversizeOutputBytes))]))
        }
        return (.succeeded, nil, nil)
    }

    /// Whether `command` is one the participant answers with an oversize reply.
    static func repliesOversize(_ command: ParticipantCommand) -> Bool {
        command.payload.objectValue?["oversizeReply"] == .bool(true) && command.step == "payment" && command.phase == .pending
    }
}
