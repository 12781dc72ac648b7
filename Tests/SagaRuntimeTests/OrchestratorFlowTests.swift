import Foundation
import Kafka
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import Testing

@Suite("Orchestrator: sagas end to end over the embedded broker", .timeLimit(.minutes(4)))
struct OrchestratorFlowTests {
    @Test("three phases over a DAG of three participants, in dependency order")
    func threePhasesOverADAG() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()])
                let participants = try harness.participants { command in
                    .succeed(output: command.step == "reserve" ? .object(["reservation": .string("R-1")]) : nil)
                }
                let progress = try harness.progress()
                let client = try harness.client()

                let (id, terminal) = try await withRunning(orchestrator, participants, progress) {
                    let id = try await client.start([StartSagaCommand(sagaType: "order", payload: .object(["order": .string("A-1")]))])[0]
                    return (id, await progress.waitForTerminal([id], timeout: .seconds(90)))
                }
                #expect(terminal[id] == .completed)

                let seen = participants.commands.map { ($0.command.step, $0.command.phase) }
                func index(_ step: String, _ phase: SagaPhase) -> Int? { seen.firstIndex { $0 == (step, phase) } }
                let reservePending = try #require(index("reserve", .pending))
                let chargePending = try #require(index("charge", .pending))
                let shipPending = try #require(index("ship", .pending))
                #expect(reservePending < chargePending && reservePending < shipPending)
                let verifies = ["reserve", "charge", "ship"].compactMap { index($0, .verify) }
                let approves = ["reserve", "charge", "ship"].compactMap { index($0, .approve) }
                #expect(verifies.count == 3 && approves.count == 3)
                #expect(verifies.min()! > max(chargePending, shipPending))
                #expect(approves.min()! > verifies.max()!)
                #expect(!seen.contains { $0.1 == .compensate })

                // The dependency's output reaches the steps that depend on it.
                let charge = try #require(participants.commands.first { $0.command.step == "charge" && $0.command.phase == .pending })
                #expect(charge.command.dependencyOutputs["reserve"] == .object(["reservation": .string("R-1")]))

                // The store holds the finished saga, and its events are numbered 1, 2, 3, ... with no gap.
                let record = try #require(try await store.saga(id: id))
                #expect(record.status == "completed" && record.isTerminal)
                let sequences = Set(progress.events(of: id).map(\.sequence)).sorted()
                #expect(sequences == Array(1...Int64(sequences.count)))
                #expect(harness.metrics.total("saga_sagas_finished_total", where: ("outcome", "completed")) == 1)

                // Each progress event names the saga's status in a header, as its value does.
                let raw = try await harness.read(topic: harness.topics.progress, count: progress.events(of: id).count, timeout: .seconds(20))
                #expect(raw.count == progress.events(of: id).count)
                for message in raw {
                    let event = try #require(message.value.flatMap { try? SagaMessageCodec.decode(ProgressEvent.self, from: $0).get() })
                    #expect(message.header(SagaHeaders.sagaStatus)?.value == Array(event.state.rawValue.utf8))
                }
                #expect(raw.last?.header(SagaHeaders.sagaStatus)?.value == Array("completed".utf8))
                await client.shutdown()
            }
        }
    }

    @Test("a refusal in each phase compensates exactly the steps sent a pending command, dependents first",
          arguments: [("charge", SagaPhase.pending), ("ship", SagaPhase.verify), ("reserve", SagaPhase.approve)])
    func refusalCompensates(step: String, phase: SagaPhase) async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()])
                let participants = try harness.participants { command in
                    command.step == step && command.phase == phase ? .reject("no, said \(step)") : .succeed()
                }
                let progress = try harness.progress()
                let client = try harness.client()

                let (id, terminal) = try await withRunning(orchestrator, participants, progress) {
                    let id = try await client.start([StartSagaCommand(sagaType: "order")])[0]
                    return (id, await progress.waitForTerminal([id], timeout: .seconds(90)))
                }
                #expect(terminal[id] == .compensated)
                let commands = participants.commands.map(\.command)
                let pendingSteps = Set(commands.filter { $0.phase == .pending }.map(\.step))
                let compensated = commands.filter { $0.phase == .compensate }.map(\.step)
                #expect(Set(compensated) == pendingSteps)
                // reserve is compensated only after both steps that depend on it.
                if let reserve = compensated.firstIndex(of: "reserve") {
                    for dependent in ["charge", "ship"] where pendingSteps.contains(dependent) {
                        #expect(compensated.firstIndex(of: dependent).map { $0 < reserve } == true)
                    }
                }
                // No approve after the failure.
                if phase != .approve {
                    #expect(!commands.contains { $0.phase == .approve })
                }
                let events = progress.events(of: id)
                #expect(events.contains { $0.event == .stepRejected && $0.step == step })
                await client.shutdown()
            }
        }
    }

    @Test("retryable failures and timeouts are retried with backoff until the step succeeds")
    func retriesAndTimeouts() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // Only ship's verify is left unanswered, so only ship has a short timeout: a loaded
                // machine (the whole suite on two cores) has been seen to take over 1.2 s to answer a
                // first command, which turned 400 ms timeouts on every step into a compensation.
                // With the whole suite on the cores, a participant's consumer kicked out of its group
                // (a missed heartbeat) left ship unanswered for over 20 s: thirty attempts of 2 s leave
                // such a machine room, and the test still shows a timed-out attempt retried.
                let definition = harness.orderDefinition(
                    shipTimeout: .seconds(2),
                    retry: RetryPolicy(maxAttempts: 30, initialBackoff: .milliseconds(20), multiplier: 2, maxBackoff: .milliseconds(200), jitter: 0.2)
                )
                let orchestrator = try harness.orchestrator(store, [definition])
                let participants = try harness.participants { command in
                    switch (command.step, command.phase, command.attempt) {
                    case ("charge", .pending, 1): return .failRetryable("card network busy")
                    case ("ship", .verify, 1): return .silent
                    default: return .succeed()
                    }
                }
                let progress = try harness.progress()
                let client = try harness.client()

                let (id, terminal) = try await withRunning(orchestrator, participants, progress) {
                    let id = try await client.start([StartSagaCommand(sagaType: "order")])[0]
                    return (id, await progress.waitForTerminal([id], timeout: .seconds(150)))
                }
                #expect(terminal[id] == .completed, "events: \(progress.events(of: id).map { "\($0.event) \($0.step ?? "") \($0.attempt ?? 0) \($0.reason ?? "")" })")
                let commands = participants.commands.map(\.command)
                #expect(commands.contains { $0.step == "charge" && $0.phase == .pending && $0.attempt == 2 })
                #expect(commands.contains { $0.step == "ship" && $0.phase == .verify && $0.attempt == 2 })
                // Retries keep the idempotency key of their (step, phase).
                let chargeKeys = Set(commands.filter { $0.step == "charge" && $0.phase == .pending }.map(\.idempotencyKey))
                #expect(chargeKeys.count == 1)
                let events = progress.events(of: id)
                #expect(events.contains { $0.event == .stepTimedOut && $0.step == "ship" })
                #expect(events.contains { $0.event == .retryScheduled && $0.step == "charge" })
                await client.shutdown()
            }
        }
    }
}
