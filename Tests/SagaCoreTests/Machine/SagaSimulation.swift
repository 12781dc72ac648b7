import Foundation
import SagaCore

/// A random world around one saga: participants that answer late, twice, out of order or never,
/// timers, and operators. Everything is drawn from the script, so a run is reproducible.
struct SagaSimulation {
    let plan: SagaPlan
    let machine: SagaMachine
    var state: SagaState
    var now = SagaTime(milliseconds: 1_700_000_000_000)
    var outstanding: [ParticipantCommand] = []
    var inFlightReplies: [ParticipantReply] = []
    var delivered: [ParticipantReply] = []
    /// Every command published, with the index of the first event after it.
    var commands: [ParticipantCommand] = []
    var events: [ProgressEvent] = []
    /// Round-trip the state through JSON (Codable and ``SagaStateCodec``) after every transition (must change nothing).
    var roundTripState = false

    /// A DAG of `count` steps: step j depends on step i < j when `edges[...]` is under the density.
    static func definition(stepCount: Int, edges: [Int], knobs: Int) -> SagaDefinition {
        var steps: [StepDefinition] = []
        var edge = 0
        let retry = RetryPolicy(maxAttempts: 1 + knobs % 4, initialBackoff: .milliseconds(10), multiplier: 2, maxBackoff: .milliseconds(100), jitter: 0.5)
        let compensation = RetryPolicy(maxAttempts: 1 + (knobs / 4) % 3, initialBackoff: .milliseconds(10), multiplier: 2, maxBackoff: .milliseconds(50), jitter: 0.3)
        for j in 0..<stepCount {
            var dependsOn: [String] = []
            for i in 0..<j {
                if edges[edge % edges.count] < 35 { dependsOn.append("s\(i)") }
                edge += 1
            }
            let phases: StepPhases = (knobs / 12 + j) % 5 == 0 ? [.execute, .approve] : .all
            steps.append(StepDefinition(name: "s\(j)", topic: "t\(j)", dependsOn: dependsOn, phases: phases,
                                        timeout: .milliseconds(100), retry: retry, compensationRetry: compensation))
        }
        return SagaDefinition(type: "random", version: 1, steps: steps, deadline: .milliseconds(Int64(500 + (knobs / 36) % 5_000)))
    }

    init(definition: SagaDefinition) throws {
        plan = try definition.compile()
        machine = SagaMachine(plan: plan, replyTopic: "replies")
        let started = machine.start(StartSagaCommand(sagaType: "random", payload: ["n": 1]), sagaID: "sim", replyPartition: 0, now: now)
        state = started.state
        record(started.effects)
    }

    mutating func record(_ effects: SagaEffects) {
        for command in effects.commands {
            commands.append(command.message)
            outstanding.append(command.message)
        }
        events += effects.events
    }

    mutating func feed(_ input: SagaInput) {
        record(machine.handle(input, state: &state, now: now))
        if roundTripState {
            // Through both codecs, each reading what the other wrote.
            let codable = try! JSONEncoder().encode(state)
            let fast = try! SagaStateCodec.encode(try! SagaStateCodec.decode(codable))
            state = try! JSONDecoder().decode(SagaState.self, from: Data(fast))
        }
    }

    mutating func answer(_ index: Int, outcome: ReplyOutcome?) {
        let command = outstanding.remove(at: index)
        guard let outcome else { return }  // the participant never answers
        let output: JSONValue? = command.phase == .pending ? ["from": .string(command.step)] : nil
        inFlightReplies.append(ParticipantReply(to: command, outcome: outcome, reason: "simulated", output: output))
    }

    mutating func deliver(_ index: Int) {
        let reply = inFlightReplies.remove(at: index)
        delivered.append(reply)
        feed(.reply(reply))
    }

    mutating func fireTimer() {
        if let next = state.nextDeadline, next > now { now = next }
        feed(.timer)
    }

    /// Plays the chaotic part of the script.
    mutating func play(_ script: [Int]) {
        for value in script {
            let pick = value / 10
            switch value % 10 {
            case 0, 1, 2:
                guard !outstanding.isEmpty else { continue }
                let outcomes: [ReplyOutcome?] = [.succeeded, .succeeded, .succeeded, .succeeded, .succeeded, .succeeded, .failedRetryable, .failedRetryable, .rejected, nil]
                answer(pick % outstanding.count, outcome: outcomes[(pick / 7) % 10])
            case 3, 4, 5:
                guard !inFlightReplies.isEmpty else { continue }
                deliver(pick % inFlightReplies.count)
            case 6:
                fireTimer()
            case 7:
                guard !delivered.isEmpty else { continue }
                feed(.reply(delivered[pick % delivered.count]))
            case 8:
                now = now.advanced(by: .milliseconds(Int64(pick % 50)))
            default:
                let step = "s\(pick % plan.steps.count)"
                let controls: [ControlCommand] = [
                    ControlCommand(sagaId: "sim", action: .pause),
                    ControlCommand(sagaId: "sim", action: .resume),
                    ControlCommand(sagaId: "sim", action: .cancel),
                    ControlCommand(sagaId: "sim", action: .retry, step: step),
                    ControlCommand(sagaId: "sim", action: .compensate),
                    ControlCommand(sagaId: "sim", action: .compensate, step: step),
                ]
                // Controls are rarer than the rest; so are duplicate starts and early timers.
                switch (pick / 13) % 6 {
                case 0: feed(.control(controls[(pick / 78) % controls.count]))
                case 1:
                    let before = state.steps
                    let policy: StartSagaCommand.ConflictPolicy = pick % 2 == 0 ? .reject : .returnExisting
                    feed(.start(StartSagaCommand(sagaType: "random", sagaId: "sim", payload: ["n": 2], onConflict: policy)))
                    precondition(state.steps == before, "a duplicate start changed the saga")
                case 2: feed(.timer)
                default: break
                }
            }
        }
    }

    /// From now on participants answer every command with success and the operator unblocks the saga.
    mutating func drain() {
        var rounds = 0
        while !state.status.isTerminal && rounds < 1_000 {
            rounds += 1
            if state.paused { feed(.control(ControlCommand(sagaId: "sim", action: .resume))) }
            if state.status == .failed {
                for index in state.steps.indices where state.steps[index].progress == .refused {
                    feed(.control(ControlCommand(sagaId: "sim", action: .retry, step: plan.steps[index].name)))
                }
            }
            while !outstanding.isEmpty { answer(0, outcome: .succeeded) }
            if inFlightReplies.isEmpty {
                fireTimer()
            }
            while !inFlightReplies.isEmpty { deliver(0) }
        }
    }
}
