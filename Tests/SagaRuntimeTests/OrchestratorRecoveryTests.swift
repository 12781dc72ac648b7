import Foundation
import Kafka
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import Testing

func checkOneStory(_ events: [ProgressEvent], saga: String) {
    let problems = ProgressStory.problems(in: events)
    #expect(problems.isEmpty, "saga \(saga): \(problems)")
}

@Suite("Orchestrator: recovery from the store", .timeLimit(.minutes(5)))
struct OrchestratorRecoveryTests {
    @Test("a new instance takes over from the store mid-run: every saga finishes, no input applied twice")
    func restartMidRun() async throws {
        try await withHarness { harness in
            // Long step timeouts: this test is about restarts, and a loaded machine must not turn them into timeouts.
            let registry = try SagaRegistry([harness.orderDefinition(timeout: .seconds(60))])
            let participants = try harness.participants { _ in .succeed() }
            let progress = try harness.progress()
            let client = try harness.client()
            let count = 300

            let (ids, terminal) = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await participants.run() }
                group.addTask { try await progress.run() }
                var ids: [String] = []
                // Three orchestrator lives on one store file; sagas keep arriving across them.
                for life in 0..<3 {
                    try await harness.openStore().withRunning { store async throws -> Void in
                        let orchestrator = Orchestrator(configuration: harness.configuration(), registry: registry, store: store, logger: quietLogger, metricsFactory: harness.metrics)
                        try await withThrowingTaskGroup(of: Void.self) { lifeGroup in
                            lifeGroup.addTask { try await orchestrator.run() }
                            let partitions = Int(harness.partitions)
                            let owned = await orchestrator.waitForStatus(within: .seconds(60)) { $0.ownedPartitions >= partitions }
                            try #require(owned != nil, "life \(life): the orchestrator did not get its partitions within 60 s")
                            for _ in 0..<5 {
                                ids += try await client.start((0..<(count / 15)).map { _ in StartSagaCommand(sagaType: "order") })
                                // The subject is time passing: sagas keep arriving over the life.
                                try await Task.sleep(for: .milliseconds(30))
                            }
                            // Stop while sagas are still in flight.
                            lifeGroup.cancelAll()
                            try await lifeGroup.waitForAll()
                        }
                    }
                    _ = life
                }
                // A last life to finish what is left.
                let terminal = try await harness.openStore().withRunning { store async throws in
                    let orchestrator = Orchestrator(configuration: harness.configuration(), registry: registry, store: store, logger: quietLogger, metricsFactory: harness.metrics)
                    group.addTask { try await orchestrator.run() }
                    let terminal = await progress.waitForTerminal(ids, timeout: .seconds(90))
                    group.cancelAll()
                    try await group.waitForAll()
                    return terminal
                }
                return (ids, terminal)
            }
            #expect(ids.count == count)
            #expect(terminal.count == count)
            #expect(terminal.values.allSatisfy { $0 == .completed })
            for id in ids { checkOneStory(progress.events(of: id), saga: id) }
            #expect(participants.effects.values.allSatisfy { $0 == 1 })
            try await harness.openStore().withRunning { store async throws -> Void in
                #expect(try await store.countSagasByStatus()["completed"] == count)
            }
            await client.shutdown()
        }
    }
}
