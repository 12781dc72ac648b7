import SagaConcurrency
import SagaStore
import SagaTestKit
import Synchronization
import Testing

/// Two instances (two stores, two connection pools) on one database: the one that lost a
/// partition can commit nothing more for it.
@Suite("PostgreSQL fencing between instances")
struct PostgresFencingTests {
    @Test(.timeLimit(.minutes(2)))
    func aTakenOverInstanceIsFencedAndWritesNothing() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { a in
            try await PostgresSagaStore.open(testURL: url).withRunning { b in
                let held = try await a.takePartition(3)
                try await a.commit(
                    CommitBatch(
                        lease: held, sagas: [Fixture.saga("s1", partition: 3)], nextOffsets: ["saga.commands": 5],
                        outbox: [Fixture.message("one")],
                        startKeys: [StartKeyRegistration(key: StartKey(sagaType: "order", businessKey: "k1"), sagaID: "s1")]
                    )
                )
                let taken = try await b.takePartition(3)
                #expect(taken.epoch == held.epoch + 1)
                let before = try await b.loadPartition(taken)

                let late = CommitBatch(
                    lease: held,
                    sagas: [Fixture.saga("s1", partition: 3, status: "completed", isTerminal: true), Fixture.saga("s2", partition: 3)],
                    nextOffsets: ["saga.commands": 9, "saga.replies": 2], outbox: [Fixture.message("two")],
                    startKeys: [StartKeyRegistration(key: StartKey(sagaType: "order", businessKey: "k2"), sagaID: "s2")]
                )
                let single = await #expect(throws: SagaStoreError.self) { try await a.commit(late) }
                #expect(single?.code == .fenced)
                // In a group commit with a partition A still holds, nothing of either lands.
                let other = try await a.takePartition(4)
                let group = await #expect(throws: SagaStoreError.self) {
                    try await a.commit(all: [CommitBatch(lease: other, sagas: [Fixture.saga("s4", partition: 4)]), late])
                }
                #expect(group?.code == .fenced)

                #expect(try await b.loadPartition(taken) == before)
                #expect(try await b.saga(id: "s1")?.status == "running")
                #expect(try await b.saga(id: "s2") == nil)
                #expect(try await b.saga(id: "s4") == nil)
                #expect(try await b.sagaIDs(forStartKeys: [StartKey(sagaType: "order", businessKey: "k2")]).isEmpty)
                let stale = await #expect(throws: SagaStoreError.self) { try await a.loadPartition(held) }
                #expect(stale?.code == .fenced)
            }
        }
    }

    /// A commits as fast as it can while B takes the partition over: every commit of A that
    /// succeeded is in what B loads right after taking it, and nothing of A lands after that.
    @Test(.timeLimit(.minutes(2)))
    func commitsRacingATakeoverLandBeforeItOrFailFenced() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { a in
            try await PostgresSagaStore.open(testURL: url).withRunning { b in
                var fencedInAllRounds = 0
                for round in 0..<5 {
                    let partition = Int32(round)
                    let held = try await a.takePartition(partition)
                    let progress = Progress()
                    let snapshot = try await withThrowingTaskGroup(of: PartitionSnapshot?.self) { group in
                        group.addTask {
                            for offset in Int64(1)...200 {
                                do {
                                    try await a.commit(
                                        CommitBatch(
                                            lease: held,
                                            sagas: [Fixture.saga("saga-\(partition)-\(offset)", partition: partition)],
                                            nextOffsets: ["saga.commands": offset],
                                            outbox: [Fixture.message("\(offset)")]
                                        )
                                    )
                                    progress.landed.update { $0.append(offset) }
                                } catch let error as SagaStoreError where error.code == .fenced {
                                    progress.fenced.withLock { $0 += 1 }
                                }
                            }
                            return nil
                        }
                        group.addTask {
                            // Let some of A's commits land first (woken by each); the exact moment does not matter.
                            try await progress.landed.wait(for: "\(10 * (round + 1)) of A's commits to land", within: .seconds(60)) {
                                $0.count >= 10 * (round + 1)
                            }
                            let taken = try await b.takePartition(partition)
                            return try await b.loadPartition(taken)
                        }
                        var snapshot: PartitionSnapshot?
                        for try await result in group { snapshot = snapshot ?? result }
                        return try #require(snapshot)
                    }
                    let succeeded = progress.landed.value
                    // Every commit either landed or was fenced, and once fenced, A stays fenced.
                    #expect(succeeded.count + progress.fenced.withLock { $0 } == 200)
                    #expect(succeeded == (0..<succeeded.count).map { Int64($0 + 1) })
                    fencedInAllRounds += progress.fenced.withLock { $0 }
                    // What B saw right after taking over is all A ever wrote, and all that is there now.
                    #expect(snapshot.nextOffsets["saga.commands"] == succeeded.last)
                    #expect(snapshot.activeSagas.count == succeeded.count)
                    #expect(snapshot.unsentOutbox.map(\.message.value) == succeeded.map { Array("\($0)".utf8) })
                    let now = try await b.loadPartition(snapshot.lease)
                    #expect(now == snapshot)
                }
                // The takeovers did come in the middle of A's commits.
                #expect(fencedInAllRounds > 0)
            }
        }
    }
}

/// What the committing task has done so far, shared with the task that takes over.
private final class Progress: Sendable {
    /// The offsets whose commits succeeded, in order; waited on.
    let landed = Watched<[Int64]>([])
    /// How many commits failed fenced.
    let fenced = Mutex(0)
}
