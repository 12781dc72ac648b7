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
            ids += try await system.startingSagas {
                try await LoggedChildProcess.waitForOutput(of: orchestrators, "every instance to take a partition", within: .seconds(90)) {
                    !orchestrators.contains { $0.outputLines(containing: "took partition").isEmpty }
                }
            }
            let owners = orchestrators.filter { !$0.outputLines(containing: "took partition").isEmpty }.count
            #expect(owners == instances, "only \(owners) of \(instances) instances were given partitions")
            while ids.count < 150 {
                ids += try await system.client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                // The subject is time passing: sagas arrive over a while, not in one burst.
                try await Task.sleep(for: .milliseconds(50))
            }
            let victim = Int.random(in: 0..<instances)
            let takenBefore = orchestrators.map { $0.outputLines(containing: "took partition").count }
            try await orchestrators[victim].kill9()
            while ids.count < 300 {
                ids += try await system.client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                // The subject is time passing: sagas keep arriving across the takeover.
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
        // Half the sagas get no answer to ship's first attempt: they wait out its 3 s timeout and
        // the retry succeeds. So whenever the zombie freezes it has sagas waiting on a timer, which
        // is due when it wakes (it stays frozen past the 3 s session timeout). Without this, sagas
        // finish in tens of milliseconds and a freeze could find nothing in flight to commit.
        let system = try await SagaSystem(name: "fence", partitions: 6, stepTimeout: "3s") { command in
            command.step == "ship" && command.phase == .pending && command.attempt == 1 && "02468ace".contains(command.sagaId.last ?? "-")
                ? .silent : Self.script(command)
        }
        let store = try await system.makePostgresStore()
        let zombie = try system.startOrchestrator(store: store, logName: "zombie")
        let peer = try system.startOrchestrator(store: store, logName: "peer")
        let (ids, terminal, fenced, rounds) = try await system.running {
            var ids: [String] = []
            ids += try await system.startingSagas {
                try await LoggedChildProcess.waitForOutput(of: [zombie, peer], "both instances to take a partition", within: .seconds(90)) {
                    ![zombie, peer].contains { $0.outputLines(containing: "took partition").isEmpty }
                }
            }
            // Freeze the zombie while it has sagas in flight, until its peer took all its partitions;
            // when it wakes, its step timers are due and it commits for partitions it no longer owns.
            // Waking, it also learns at once that its session timed out, and drops the partitions
            // if that news reaches its loop first: then it has nothing to commit, and the round is
            // tried again. A burst of starts just before the freeze keeps its loop busy, so the
            // freeze mostly lands mid-batch and the commit goes out before the news.
            var fenced: [Substring] = []
            var tookBeforeThaw = 0
            var rounds = 0
            for _ in 0..<12 where fenced.isEmpty {
                rounds += 1
                // The rebalance over, each partition restored by one of the two and the zombie
                // holding some: a freeze then finds its loop applying the burst below, not
                // restoring a partition (which commits nothing).
                ids += try await system.startingSagas {
                    try await LoggedChildProcess.waitForOutput(of: [zombie, peer], "the zombie to hold partitions and the peer the rest (round \(rounds))", within: .seconds(90)) {
                        let (zombieHolds, peerHolds) = (Self.held(by: zombie), Self.held(by: peer))
                        return !zombieHolds.isEmpty && zombieHolds.isDisjoint(with: peerHolds) && zombieHolds.union(peerHolds).count == 6
                    }
                }
                ids += try await system.client.start((0..<100).map { _ in StartSagaCommand(sagaType: "order") })
                // The subject is time passing: the freeze lands a random moment into the burst.
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...60)))
                let peerTook = peer.outputLines(containing: "took partition").count
                let zombieHeld = Self.held(by: zombie)
                zombie.freeze()
                // The very partitions the zombie held: the peer may log taking others just after
                // the freeze (the end of the rebalance that gave the zombie its own), and counting
                // those would thaw the zombie before its session ran out.
                ids += try await system.startingSagas {
                    try await LoggedChildProcess.waitForOutput(of: [peer], "the peer to take the frozen zombie's partitions (round \(rounds))", within: .seconds(90)) {
                        peer.outputLines(containing: "took partition").count >= peerTook + zombieHeld.count
                            && Self.held(by: peer).isSuperset(of: zombieHeld)
                    }
                }
                // The subject is time passing: the zombie stays frozen a while longer, so its step
                // timers are due when it wakes.
                try await Task.sleep(for: .milliseconds(500))
                tookBeforeThaw = zombie.outputLines(containing: "took partition").count
                zombie.thaw()
                // It releases the partitions within moments of waking; a commit it started first
                // settles (fenced) right after. Under load it may rejoin and be given partitions
                // again before this looks: that, too, means it let the old ones go.
                try await LoggedChildProcess.waitForOutput(of: [zombie], "the woken zombie to let its partitions go (round \(rounds))", within: .seconds(60)) {
                    Self.held(by: zombie).isEmpty || zombie.outputLines(containing: "took partition").count > tookBeforeThaw
                }
                // A fenced commit may or may not follow (the round is tried again when not): waited
                // for by its log line, up to a second, and its absence is no failure.
                _ = try await zombie.waitForOutput(containing: "partition fenced", timeout: .seconds(2))
                fenced = zombie.outputLines(containing: "partition fenced")
            }
            // Back in the group, the woken instance is given partitions again: the handover works
            // in both directions.
            ids += try await system.startingSagas {
                try await LoggedChildProcess.waitForOutput(of: [zombie], "the woken instance to get a partition back", within: .seconds(90)) {
                    zombie.outputLines(containing: "took partition").count > tookBeforeThaw
                }
            }
            #expect(zombie.outputLines(containing: "took partition").count > tookBeforeThaw, "the woken instance never got a partition back")
            let terminal = await system.progress.waitForTerminal(ids, timeout: .seconds(120))
            for instance in [zombie, peer] {
                let status = try await instance.stop(timeout: .seconds(30))
                #expect(status == 0, "an instance did not stop cleanly on SIGTERM")
            }
            return (ids, terminal, fenced, rounds)
        }
        print("fencing test: a fenced commit in round \(rounds) of at most 12")
        #expect(!fenced.isEmpty, "the woken instance never tried to commit for a partition it lost, in \(rounds) rounds")
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

    /// The partitions an instance holds by its log: taken and not released or fenced since.
    private static func held(by instance: LoggedChildProcess) -> Set<Int> {
        var held = Set<Int>()
        for line in instance.outputLines(containing: "partition") {
            guard let number = partition(line) else { continue }
            if line.contains("took partition") { held.insert(number) }
            if line.contains("released partition") || line.contains("partition fenced") { held.remove(number) }
        }
        return held
    }

    /// The partition number in a log line.
    private static func partition(_ line: Substring) -> Int? {
        guard let range = line.range(of: "partition=") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}
