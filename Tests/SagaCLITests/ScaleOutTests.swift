import Foundation
import SagaCore
import SagaTestKit
import Testing

/// Several orchestrator processes sharing the partitions of one consumer group and one PostgreSQL
/// database. (SQLite is the store of one instance: a process frozen inside a write transaction holds
/// the file's lock, and every other writer fails once its busy timeout passes.)
@Suite("saga orchestrator: scale-out", .timeLimit(.minutes(5)))
struct ScaleOutTests {
    /// Sagas whose id ends in 7 are refused at charge, so compensation crosses the handovers too.
    private static func script(_ command: ParticipantCommand) -> ParticipantBehavior {
        command.step == "charge" && command.phase == .pending && command.sagaId.hasSuffix("7") ? .reject("declined") : .succeed()
    }

    private static func expected(_ id: String) -> SagaStatus { id.hasSuffix("7") ? .compensated : .completed }

    @Test(
        "instances share the partitions; one is killed mid-run and the others take over",
        arguments: [2, 3]
    )
    func shareAndTakeOver(instances: Int) async throws {
        let system = try await SagaSystem(name: "scale-\(instances)", partitions: 6, stepTimeout: "30s", script: Self.script)
        let store = try await system.makePostgresStore()
        var orchestrators = try (0..<instances).map { try system.startOrchestrator(store: store, logName: "instance-\($0)") }
        let (ids, terminal, victim) = try await system.running {
            var ids: [String] = []
            // Every instance owns partitions before the kill.
            let joined = ContinuousClock.now + .seconds(60)
            while orchestrators.contains(where: { $0.outputLines(containing: "took partition").isEmpty }) && ContinuousClock.now < joined {
                ids += try await system.client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(100))
            }
            let owners = orchestrators.filter { !$0.outputLines(containing: "took partition").isEmpty }.count
            #expect(owners == instances, "only \(owners) of \(instances) instances were given partitions")
            while ids.count < 150 {
                ids += try await system.client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(50))
            }
            let victim = Int.random(in: 0..<instances)
            let takenBefore = orchestrators.map { $0.outputLines(containing: "took partition").count }
            try await orchestrators[victim].kill9()
            while ids.count < 300 {
                ids += try await system.client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(50))
            }
            let terminal = await system.progress.waitForTerminal(ids, timeout: .seconds(120))
            // The survivors took the victim's partitions over.
            let takenAfter = orchestrators.map { $0.outputLines(containing: "took partition").count }
            let survivors = (0..<instances).filter { $0 != victim }
            #expect(survivors.contains { takenAfter[$0] > takenBefore[$0] }, "no survivor took a partition after the kill")
            for index in survivors {
                let status = try await orchestrators[index].stop(timeout: .seconds(30))
                #expect(status == 0, "instance \(index) did not stop cleanly on SIGTERM")
            }
            return (ids, terminal, victim)
        }
        orchestrators.remove(at: victim)
        let problems = system.problems(ids: ids, terminal: terminal, expected: Self.expected)
        #expect(problems.isEmpty, "\(problems.prefix(10)); logs in \(system.directory.path)")
        try await Self.checkStore(store, ids: ids)
        try await system.shutdown(keep: !problems.isEmpty)
    }

    @Test(
        "an instance frozen (SIGSTOP) past its session timeout is fenced when it wakes: nothing it commits lands"
    )
    func frozenInstanceIsFenced() async throws {
        let system = try await SagaSystem(name: "fence", partitions: 6, script: Self.script)
        let store = try await system.makePostgresStore()
        let zombie = try system.startOrchestrator(store: store, logName: "zombie")
        let peer = try system.startOrchestrator(store: store, logName: "peer")
        let (ids, terminal, fenced) = try await system.running {
            var ids: [String] = []
            let joined = ContinuousClock.now + .seconds(60)
            while [zombie, peer].contains(where: { $0.outputLines(containing: "took partition").isEmpty }) && ContinuousClock.now < joined {
                ids += try await system.client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(100))
            }
            // Freeze the zombie while it has sagas in flight, until its peer took all its partitions;
            // when it wakes, its step timers are due and it commits for partitions it no longer owns.
            var fenced: [Substring] = []
            var tookBeforeThaw = 0
            for _ in 0..<5 where fenced.isEmpty {
                ids += try await system.client.start((0..<20).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(Int.random(in: 20...200)))
                let peerTook = peer.outputLines(containing: "took partition").count
                let zombieHeld = Set(zombie.outputLines(containing: "took partition").compactMap(Self.partition)).count
                zombie.freeze()
                let deadline = ContinuousClock.now + .seconds(30)
                while peer.outputLines(containing: "took partition").count < peerTook + zombieHeld && ContinuousClock.now < deadline {
                    ids += try await system.client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await Task.sleep(for: .seconds(1))
                tookBeforeThaw = zombie.outputLines(containing: "took partition").count
                zombie.thaw()
                try await Task.sleep(for: .seconds(3))
                fenced = zombie.outputLines(containing: "partition fenced")
            }
            // Back in the group, the woken instance is given partitions again: the handover works
            // in both directions.
            let rejoined = ContinuousClock.now + .seconds(60)
            while zombie.outputLines(containing: "took partition").count == tookBeforeThaw && ContinuousClock.now < rejoined {
                ids += try await system.client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(zombie.outputLines(containing: "took partition").count > tookBeforeThaw, "the woken instance never got a partition back")
            let terminal = await system.progress.waitForTerminal(ids, timeout: .seconds(120))
            for instance in [zombie, peer] {
                let status = try await instance.stop(timeout: .seconds(30))
                #expect(status == 0, "an instance did not stop cleanly on SIGTERM")
            }
            return (ids, terminal, fenced)
        }
        #expect(!fenced.isEmpty, "the woken instance never tried to commit for a partition it lost")
        // A fenced commit that landed would show as two different events under one sequence
        // number, or a saga applying an input twice; neither may happen.
        let problems = system.problems(ids: ids, terminal: terminal, expected: Self.expected)
        #expect(problems.isEmpty, "\(problems.prefix(10)); logs in \(system.directory.path)")
        try await Self.checkStore(store, ids: ids)
        try await system.shutdown(keep: !problems.isEmpty || fenced.isEmpty)
    }

    /// The store the instances shared, read through `saga list` and `saga status` as an operator
    /// would: every saga finished there as its progress said.
    private static func checkStore(_ store: String, ids: [String]) async throws {
        let list = try ChildProcess(Products.saga, ["list", "--store", store, "--state", "active", "--json"])
        #expect(try await list.waitForExit(timeout: .seconds(30)) == 0, "saga list failed: \(list.errorOutput)")
        let active = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [Any]
        #expect(active?.isEmpty == true, "sagas still active in the store: \(list.output.prefix(500))")
        let compensated = try #require(ids.first { $0.hasSuffix("7") })
        let status = try ChildProcess(Products.saga, ["status", compensated, "--store", store, "--json"])
        #expect(try await status.waitForExit(timeout: .seconds(30)) == 0, "saga status failed: \(status.errorOutput)")
        let saga = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
        #expect(saga?["status"] as? String == "compensated", "\(status.output.prefix(500))")
    }

    /// The partition number in a "took partition" log line.
    private static func partition(_ line: Substring) -> Int? {
        guard let range = line.range(of: "partition=") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}
