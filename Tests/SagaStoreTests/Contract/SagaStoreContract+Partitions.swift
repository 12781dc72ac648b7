import SagaStore
import Testing

extension SagaStoreContract {
    static let partitionCases: [ContractCase] = [
        ContractCase(name: "taking a partition bumps its epoch, per partition") { harness in
            try await harness.withStore { store in
                let first = try await store.takePartition(0)
                let second = try await store.takePartition(0)
                let other = try await store.takePartition(7)
                #expect(first == PartitionLease(partition: 0, epoch: 1))
                #expect(second == PartitionLease(partition: 0, epoch: 2))
                #expect(other == PartitionLease(partition: 7, epoch: 1))
            }
        },
        ContractCase(name: "a stale lease's commit is fenced and leaves no trace") { harness in
            try await harness.withStore { store in
                let old = try await store.takePartition(3)
                try await store.commit(
                    CommitBatch(
                        lease: old, sagas: [Fixture.saga("s1", partition: 3, status: "running")],
                        nextOffsets: ["saga.commands": 5], outbox: [Fixture.message("one")]
                    )
                )
                let current = try await store.takePartition(3)

                let error = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(
                        CommitBatch(
                            lease: old,
                            sagas: [
                                Fixture.saga("s1", partition: 3, status: "completed", isTerminal: true, updatedAt: 9),
                                Fixture.saga("s2", partition: 3),
                            ],
                            nextOffsets: ["saga.commands": 9, "saga.replies": 4],
                            outbox: [Fixture.message("two")],
                            startKeys: [StartKeyRegistration(key: StartKey(sagaType: "order", businessKey: "b"), sagaID: "s2")]
                        )
                    )
                }
                #expect(error?.code == .fenced)

                let snapshot = try await store.loadPartition(current)
                #expect(snapshot.nextOffsets == ["saga.commands": 5])
                #expect(snapshot.activeSagas.map(\.id) == ["s1"])
                #expect(snapshot.activeSagas.first?.status == "running")
                #expect(snapshot.unsentOutbox.map(\.message.value) == [Array("one".utf8)])
                #expect(try await store.saga(id: "s2") == nil)
                #expect(try await store.sagaIDs(forStartKeys: [StartKey(sagaType: "order", businessKey: "b")]).isEmpty)
            }
        },
        ContractCase(name: "batches of several partitions commit together, or not at all when one lease is stale") { harness in
            try await harness.withStore { store in
                let a = try await store.takePartition(0)
                let staleB = try await store.takePartition(1)
                let results = try await store.commit(all: [
                    CommitBatch(lease: a, sagas: [Fixture.saga("a1", partition: 0)], nextOffsets: ["saga.commands": 3], outbox: [Fixture.message("a")]),
                    CommitBatch(lease: staleB, sagas: [Fixture.saga("b1", partition: 1)], nextOffsets: ["saga.commands": 7], outbox: [Fixture.message("b")]),
                ])
                #expect(results.map { $0.outbox.map(\.message.value) } == [[Array("a".utf8)], [Array("b".utf8)]])
                #expect(try await store.saga(id: "b1") != nil)

                _ = try await store.takePartition(1)
                let error = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(all: [
                        CommitBatch(lease: a, sagas: [Fixture.saga("a2", partition: 0)], nextOffsets: ["saga.commands": 9]),
                        CommitBatch(lease: staleB, sagas: [Fixture.saga("b2", partition: 1)], nextOffsets: ["saga.commands": 9]),
                    ])
                }
                #expect(error?.code == .fenced)
                // Nothing of either batch landed, not even the one whose lease is current.
                #expect(try await store.saga(id: "a2") == nil)
                #expect(try await store.saga(id: "b2") == nil)
                #expect(try await store.loadPartition(a).nextOffsets == ["saga.commands": 3])
            }
        },
        ContractCase(name: "a stale lease cannot load, and a never-taken partition cannot commit") { harness in
            try await harness.withStore { store in
                let old = try await store.takePartition(1)
                _ = try await store.takePartition(1)
                let loadError = await #expect(throws: SagaStoreError.self) { try await store.loadPartition(old) }
                #expect(loadError?.code == .fenced)
                let never = PartitionLease(partition: 99, epoch: 1)
                let commitError = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(CommitBatch(lease: never, nextOffsets: ["saga.commands": 1]))
                }
                #expect(commitError?.code == .fenced)
            }
        },
        ContractCase(name: "a second instance taking the partition fences the first") { harness in
            try await harness.withStore { first in
                try await harness.withStore { second in
                    let zombie = try await first.takePartition(2)
                    let owner = try await second.takePartition(2)
                    #expect(owner.epoch == zombie.epoch + 1)
                    let error = await #expect(throws: SagaStoreError.self) {
                        try await first.commit(CommitBatch(lease: zombie, sagas: [Fixture.saga("z", partition: 2)]))
                    }
                    #expect(error?.code == .fenced)
                    try await second.commit(CommitBatch(lease: owner, sagas: [Fixture.saga("o", partition: 2)]))
                    #expect(try await first.loadPartition(owner).activeSagas.map(\.id) == ["o"])
                }
            }
        },
        ContractCase(name: "load returns only the partition's active sagas and unsent outbox rows") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                let one = try await store.takePartition(1)
                try await store.commit(
                    CommitBatch(
                        lease: zero,
                        sagas: [
                            Fixture.saga("b", partition: 0),
                            Fixture.saga("a", partition: 0, status: "paused"),
                            Fixture.saga("done", partition: 0, status: "completed", isTerminal: true),
                        ],
                        nextOffsets: ["saga.commands": 10, "saga.replies": 20],
                        outbox: [Fixture.message("z1"), Fixture.message("z2")]
                    )
                )
                let written = try await store.commit(
                    CommitBatch(
                        lease: one, sagas: [Fixture.saga("c", partition: 1)], nextOffsets: ["saga.commands": 3],
                        outbox: [Fixture.message("o1")]
                    )
                )
                try await store.markSent([written.outbox[0].id])
                let zeroSnapshot = try await store.loadPartition(zero)
                #expect(zeroSnapshot.lease == zero)
                #expect(zeroSnapshot.activeSagas.map(\.id) == ["a", "b"])
                #expect(zeroSnapshot.nextOffsets == ["saga.commands": 10, "saga.replies": 20])
                #expect(zeroSnapshot.unsentOutbox.map(\.message.value) == [Array("z1".utf8), Array("z2".utf8)])
                #expect(zeroSnapshot.unsentOutbox.allSatisfy { $0.sagaPartition == 0 })
                let oneSnapshot = try await store.loadPartition(one)
                #expect(oneSnapshot.activeSagas.map(\.id) == ["c"])
                #expect(oneSnapshot.nextOffsets == ["saga.commands": 3])
                #expect(oneSnapshot.unsentOutbox.isEmpty)
                let fresh = try await store.takePartition(5)
                #expect(try await store.loadPartition(fresh) == PartitionSnapshot(lease: fresh, nextOffsets: [:], activeSagas: [], unsentOutbox: []))
            }
        },
    ]
}
