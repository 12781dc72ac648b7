import SagaCore
import SagaRuntime
import SagaTestKit

/// The invariants of a chaos run, checked from the progress topic, the participants' record of
/// commands and effects, and the dead-letter topic.
struct ChaosCheck {
    var ids: [String]
    var plans: [ChaosSagaPlan]
    var topics: SagaTopics
    var collector: ProgressCollector
    var commands: [ParticipantCommand]
    var effects: [String: Int]
    var deadLetters: [DeadLetter]
    var unreadableDeadLetters: Int
    var expectedDeadLetters: Int

    /// Oversize replies the participants sent: one per payment pending command of a saga planned
    /// to get one (repeats included: each is answered again, as big).
    static func oversizeReplies(_ commands: [ParticipantCommand]) -> Int {
        commands.filter(ChaosScript.repliesOversize).count
    }

    func result(scenario: ChaosScenario) -> ChaosResult {
        var result = ChaosResult(scenario: scenario)
        result.started = ids.count
        var problems: [String] = []
        func note(_ problem: String) { if problems.count < 20 { problems.append(problem) } }
        let terminal = collector.terminal
        var bySaga: [String: [ParticipantCommand]] = [:]
        for command in commands { bySaga[command.sagaId, default: []].append(command) }

        for (id, plan) in zip(ids, plans) {
            let events = collector.allEvents[id] ?? []
            let last = events.max { $0.sequence < $1.sequence }?.state
            switch terminal[id]?.status ?? last {
            case .completed?: result.completed += 1
            case .compensated?: result.compensated += 1
            case .failed?: result.failed += 1
            default: break
            }
            guard let status = terminal[id]?.status else {
                result.lost += 1
                note("saga \(id) (\(plan.expected) expected) did not end; last state \(last.map(\.rawValue) ?? "none")")
                continue
            }
            if status != plan.expected { note("saga \(id) ended \(status), expected \(plan.expected)") }
            let story = ProgressStory.problems(in: events)
            if !story.isEmpty {
                result.eventGaps += 1
                note("saga \(id): \(story.joined(separator: "; "))")
            }
            // Compensations: every step sent a pending command, in reverse dependency order
            // (the steps form a chain), and none for a completed saga.
            let received = bySaga[id] ?? []
            let pending = Set(received.filter { $0.phase == .pending }.map(\.step))
            var compensated: [String] = []
            for command in received where command.phase == .compensate && !compensated.contains(command.step) {
                compensated.append(command.step)
            }
            if status == .completed && !compensated.isEmpty {
                note("completed saga \(id) got compensate commands for \(compensated)")
            }
            if status == .compensated {
                let missing = pending.subtracting(compensated)
                if !missing.isEmpty { note("compensated saga \(id) sent no compensate to \(missing.sorted())") }
                let order = compensated.compactMap { ChaosSagaPlan.steps.firstIndex(of: $0) }
                if order != order.sorted(by: >) { note("saga \(id) compensated in the order \(compensated), not in reverse dependency order") }
            }
        }
        let repeated = effects.filter { $0.value > 1 }
        result.duplicateEffects = repeated.count
        if !repeated.isEmpty { note("effects applied more than once: \(repeated.prefix(5))") }

        result.deadLetters = deadLetters.count
        result.expectedDeadLetters = expectedDeadLetters
        if deadLetters.count != expectedDeadLetters {
            note("\(deadLetters.count) dead letters, expected \(expectedDeadLetters) (one per malformed or oversize input); "
                 + "reasons: \(Set(deadLetters.map { String($0.reason.prefix(60)) }).sorted().prefix(8))")
        }
        for letter in deadLetters where letter.reason.isEmpty || !topics.inputs.contains(letter.topic) {
            note("a dead letter without a reason or from another topic: \(letter.topic) \(letter.partition)/\(letter.offset) '\(letter.reason)'")
        }
        if unreadableDeadLetters > 0 { note("\(unreadableDeadLetters) messages on the dead-letter topic are not dead letters") }
        result.problems = problems
        return result
    }
}
