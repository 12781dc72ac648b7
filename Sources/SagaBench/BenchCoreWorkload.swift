import Foundation
import SagaCore

/// The representative saga the core benchmark drives: payment and stock in parallel, then shipping.
struct BenchCoreWorkload {
    let machine: SagaMachine
    let start: StartSagaCommand
    let sagaID = "5f0c1a52-3a4e-4f0e-9b1e-2f4a3c5d6e7f"
    let replies: [ParticipantReply]

    init() throws {
        let definition = SagaDefinition(type: "checkout", version: 1, steps: [
            StepDefinition(name: "payment", topic: "payments.commands"),
            StepDefinition(name: "stock", topic: "inventory.commands"),
            StepDefinition(name: "shipping", topic: "shipping.commands", dependsOn: ["payment", "stock"]),
        ], deadline: .minutes(10))
        machine = SagaMachine(plan: try definition.compile(), replyTopic: "saga.replies")
        start = StartSagaCommand(sagaType: "checkout", payload: ["order": "o-1", "amount": 1250])
        var replies: [ParticipantReply] = []
        for phase in [SagaPhase.pending, .verify, .approve] {
            for step in ["payment", "stock", "shipping"] {
                replies.append(ParticipantReply(sagaId: sagaID, step: step, phase: phase, attempt: 1, outcome: .succeeded))
            }
        }
        self.replies = replies
    }

    /// Drives `sagas` sagas to completion; returns the number of transitions.
    func run(sagas: Int) -> Int {
        var transitions = 0
        var now = SagaTime(milliseconds: 1_700_000_000_000)
        var published = 0
        for _ in 0..<sagas {
            now.milliseconds += 1
            var (state, effects) = machine.start(start, sagaID: sagaID, replyPartition: 0, now: now)
            published &+= effects.commands.count &+ effects.events.count
            transitions += 1
            for reply in replies {
                effects = machine.handle(.reply(reply), state: &state, now: now)
                published &+= effects.commands.count &+ effects.events.count
                transitions += 1
            }
            precondition(state.status == .completed, "the benchmark saga did not complete")
        }
        precondition(published > 0)
        return transitions
    }

    /// The size of an active saga: after its first two pending replies, waiting for shipping.
    func memoryReport() -> [String] {
        let (initial, _) = machine.start(start, sagaID: sagaID, replyPartition: 0, now: SagaTime(milliseconds: 1_700_000_000_000))
        func active(payload: JSONValue, output: JSONValue?) -> SagaState {
            var state = machine.start(StartSagaCommand(sagaType: "checkout", payload: payload), sagaID: sagaID, replyPartition: 0,
                                      now: SagaTime(milliseconds: 1_700_000_000_000)).state
            for reply in replies.prefix(2) {
                var reply = reply
                reply.output = output
                _ = machine.handle(.reply(reply), state: &state, now: SagaTime(milliseconds: 1_700_000_000_100))
            }
            return state
        }
        let bare = active(payload: .emptyObject, output: nil)
        let typical = active(payload: start.payload, output: ["id": "ch_3MmlLrLkdIwHu7ix0snN0B15"])
        let encoder = JSONEncoder()
        func encodedSize(_ state: SagaState) -> Int { (try? encoder.encode(state).count) ?? -1 }
        let payloadSize = (try? encoder.encode(start.payload).count) ?? 0
        _ = initial
        return [
            "memory of an active saga (3 steps, 2 executed, waiting for shipping; target <= 2 KiB + payload):",
            "  encoded state, empty payload:        \(encodedSize(bare)) bytes (JSON)",
            "  encoded state, \(payloadSize)-byte payload + 2 outputs: \(encodedSize(typical)) bytes",
            "  in memory, empty payload (estimate): \(bare.approximateMemorySize) bytes",
            "  in memory, with payload + outputs:   \(typical.approximateMemorySize) bytes",
        ]
    }
}
