import Foundation
import Logging
import SagaCore
import SagaStore
import SagaTestKit
import Testing

@Suite("saga orchestrator: crash recovery", .timeLimit(.minutes(4)))
struct OrchestratorCrashTests {
    @Test("killed with SIGKILL at random moments while hundreds of sagas run: every saga finishes, no input applied twice, no effect twice")
    func sigkillRecovery() async throws {
        // A few refusals so compensation also crosses crashes.
        // Long step timeouts: recovery must not lean on them (the outbox and the stored offsets carry
        // every command and reply across a crash), and restarts on a loaded machine must not
        // turn into compensations.
        let system = try await SagaSystem(name: "crash", stepTimeout: "30s") { command in
            command.step == "charge" && command.phase == .pending && command.sagaId.hasSuffix("7") ? .reject("declined") : .succeed()
        }
        let storePath = system.directory.appendingPathComponent("saga.sqlite").path
        let store = "sqlite:\(storePath)"
        let count = 300
        var kills = 0
        var orchestrator = try system.startOrchestrator(store: store, logName: "orchestrator")
        let (ids, terminal) = try await system.running {
            var ids: [String] = []
            // Sagas arrive in waves while the orchestrator is killed and restarted, each time
            // a random moment after it has made progress again.
            var eventsAtStart = system.progress.eventCount
            var killAt: ContinuousClock.Instant?
            let deadline = ContinuousClock.now + .seconds(150)
            while (ids.count < count || kills < 4) && ContinuousClock.now < deadline {
                ids += try await system.client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                // The subject is time passing: waves of sagas, and kills at random moments between them.
                try await Task.sleep(for: .milliseconds(100))
                if killAt == nil && kills < 4 && system.progress.eventCount > eventsAtStart + 50 {
                    killAt = ContinuousClock.now + .milliseconds(Int.random(in: 50...600))
                }
                if let at = killAt, ContinuousClock.now >= at {
                    try await orchestrator.kill9()
                    kills += 1
                    killAt = nil
                    eventsAtStart = system.progress.eventCount
                    orchestrator = try system.startOrchestrator(store: store, logName: "orchestrator")
                }
            }
            // One more kill while the last sagas are in flight. The subject is time passing: a
            // random moment into their run.
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...800)))
            try await orchestrator.kill9()
            kills += 1
            orchestrator = try system.startOrchestrator(store: store, logName: "orchestrator")
            let terminal = await system.progress.waitForTerminal(ids, timeout: .seconds(120))
            let status = try await orchestrator.stop(timeout: .seconds(30))
            #expect(status == 0, "the orchestrator did not stop cleanly on SIGTERM")
            return (ids, terminal)
        }

        #expect(kills == 5)
        // The kills landed mid-flight: some restart took over partitions with sagas still active.
        let takeovers = orchestrator.outputLines(containing: "took partition")
        let resumed = takeovers.filter { !$0.contains("activeSagas=0 ") }
        #expect(!resumed.isEmpty, "no restart found active sagas to resume: \(takeovers)")
        #expect(ids.count >= count)
        // Participants deduplicate by idempotency key: each effect applied once, however often
        // a crash made the orchestrator publish a command again.
        let problems = system.problems(ids: ids, terminal: terminal) { $0.hasSuffix("7") ? .compensated : .completed }
        #expect(problems.isEmpty, "\(problems.prefix(10)); log: \(orchestrator.log.path)")
        var quiet = Logger(label: "test")
        quiet.logLevel = .error
        try await SQLiteSagaStore(path: storePath, logger: quiet).withRunning { sagaStore in
            let counts = try await sagaStore.countSagasByStatus()
            #expect(counts["completed", default: 0] + counts["compensated", default: 0] == ids.count)
        }
        try await system.shutdown(keep: !problems.isEmpty)
    }
}
