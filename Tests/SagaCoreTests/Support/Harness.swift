import SagaCore

/// Drives one saga through the machine and records everything it published.
struct Harness {
    var machine: SagaMachine
    var state: SagaState
    var now: SagaTime
    var commands: [ParticipantCommand] = []
    var events: [ProgressEvent] = []
    var lastEffects: SagaEffects

    init(
        _ definition: SagaDefinition, payload: JSONValue = ["order": "42"], sagaID: String = "saga-1", now: Int64 = 1_000_000,
        commandSentEvents: Bool = true
    ) throws {
        machine = SagaMachine(plan: try definition.compile(), replyTopic: "replies", commandSentEvents: commandSentEvents)
        self.now = SagaTime(milliseconds: now)
        let started = machine.start(StartSagaCommand(sagaType: definition.type, payload: payload), sagaID: sagaID, replyPartition: 3, now: self.now)
        state = started.state
        lastEffects = started.effects
        commands = started.effects.commands.map(\.message)
        events = started.effects.events
    }

    @discardableResult
    mutating func feed(_ input: SagaInput) -> SagaEffects {
        let effects = machine.handle(input, state: &state, now: now)
        commands += effects.commands.map(\.message)
        events += effects.events
        lastEffects = effects
        return effects
    }

    /// Replies to the latest command sent for (step, phase).
    @discardableResult
    mutating func reply(_ step: String, _ phase: SagaPhase, _ outcome: ReplyOutcome = .succeeded, output: JSONValue? = nil, reason: String? = nil) -> SagaEffects {
        guard let command = commands.last(where: { $0.step == step && $0.phase == phase }) else {
            fatalError("no \(phase) command was sent to \(step)")
        }
        return feed(.reply(ParticipantReply(to: command, outcome: outcome, reason: reason, output: output)))
    }

    mutating func advance(by milliseconds: Int64) {
        now = SagaTime(milliseconds: now.milliseconds + milliseconds)
    }

    /// Moves the clock to the next deadline and fires the timer.
    @discardableResult
    mutating func fireTimer() -> SagaEffects {
        if let next = state.nextDeadline, next > now { now = next }
        return feed(.timer)
    }

    func sent(_ phase: SagaPhase) -> [String] {
        commands.filter { $0.phase == phase }.map(\.step)
    }

    mutating func takeCommands() -> [ParticipantCommand] {
        defer { commands = [] }
        return commands
    }
}

enum Sagas {
    /// a -> b, a -> c (b and c in parallel after a).
    static func fanOut(retry: RetryPolicy = .stepDefault, compensation: RetryPolicy = .compensationDefault) -> SagaDefinition {
        SagaDefinition(type: "fan-out", steps: [
            StepDefinition(name: "a", topic: "a.cmd", timeout: .seconds(5), retry: retry, compensationRetry: compensation),
            StepDefinition(name: "b", topic: "b.cmd", dependsOn: ["a"], timeout: .seconds(5), retry: retry, compensationRetry: compensation),
            StepDefinition(name: "c", topic: "c.cmd", dependsOn: ["a"], timeout: .seconds(5), retry: retry, compensationRetry: compensation),
        ], deadline: .minutes(5))
    }

    /// The three-step checkout of the benchmark: payment and stock in parallel, then shipping.
    static let checkout = SagaDefinition(type: "checkout", version: 1, steps: [
        StepDefinition(name: "payment", topic: "payments.cmd"),
        StepDefinition(name: "stock", topic: "inventory.cmd"),
        StepDefinition(name: "shipping", topic: "shipping.cmd", dependsOn: ["payment", "stock"]),
    ], deadline: .minutes(10))
}
