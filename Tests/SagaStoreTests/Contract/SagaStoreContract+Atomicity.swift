import SagaStore
import Testing

extension SagaStoreContract {
    static let atomicityCases: [ContractCase] = [
        ContractCase(name: "a batch that fails mid-way leaves nothing") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(
                    CommitBatch(lease: lease, sagas: [Fixture.saga("kept")], nextOffsets: ["saga.commands": 1])
                )
                // The sagas are valid; the offset is not (offsets are never negative).
                let error = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(
                        CommitBatch(
                            lease: lease,
                            sagas: [Fixture.saga("kept", status: "compensating"), Fixture.saga("new")],
                            nextOffsets: ["saga.commands": 2, "saga.replies": -1],
                            outbox: [Fixture.message("lost")]
                        )
                    )
                }
                #expect(error != nil)
                let snapshot = try await store.loadPartition(lease)
                #expect(snapshot.activeSagas.map(\.id) == ["kept"])
                #expect(snapshot.activeSagas.first?.status == "running")
                #expect(snapshot.nextOffsets == ["saga.commands": 1])
                #expect(snapshot.unsentOutbox.isEmpty)
            }
        },
        ContractCase(name: "a batch with a saga of another partition is rejected whole") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                let error = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(
                        CommitBatch(lease: lease, sagas: [Fixture.saga("mine"), Fixture.saga("stray", partition: 1)])
                    )
                }
                #expect(error?.code == .invalidBatch)
                #expect(try await store.saga(id: "mine") == nil)
            }
        },
        ContractCase(name: "a saga round-trips every field; an upsert keeps its creation time") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(4)
                let full = SagaRecord(
                    id: "full-ü", type: "trip", version: 3, partition: 4, status: "running", isTerminal: false,
                    businessKey: "booking-42", nextDeadline: 1_700_000_000_123, createdAt: 100, updatedAt: 200,
                    state: Array(0...255)
                )
                let bare = SagaRecord(
                    id: "bare", type: "trip", version: 1, partition: 4, status: "failed", isTerminal: true,
                    businessKey: nil, nextDeadline: nil, createdAt: 1, updatedAt: 2, state: []
                )
                try await store.commit(CommitBatch(lease: lease, sagas: [full, bare]))
                #expect(try await store.saga(id: "full-ü") == full)
                #expect(try await store.saga(id: "bare") == bare)

                var next = full
                next.status = "compensating"
                next.version = 4
                next.nextDeadline = nil
                next.createdAt = 999
                next.updatedAt = 300
                next.state = [9]
                try await store.commit(CommitBatch(lease: lease, sagas: [next]))
                var expected = next
                expected.createdAt = 100
                #expect(try await store.saga(id: "full-ü") == expected)
                #expect(try await store.saga(id: "missing") == nil)
            }
        },
        ContractCase(name: "concurrent commits on several partitions all land") { harness in
            try await harness.withStore { store in
                var leases: [PartitionLease] = []
                for partition in Int32(0)..<8 { leases.append(try await store.takePartition(partition)) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lease in leases {
                        group.addTask {
                            for round in 0..<5 {
                                try await store.commit(
                                    CommitBatch(
                                        lease: lease,
                                        sagas: [Fixture.saga("p\(lease.partition)-\(round)", partition: lease.partition)],
                                        nextOffsets: ["saga.commands": Int64(round + 1)],
                                        outbox: [Fixture.message("p\(lease.partition)-\(round)")]
                                    )
                                )
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                for lease in leases {
                    let snapshot = try await store.loadPartition(lease)
                    #expect(snapshot.activeSagas.count == 5)
                    #expect(snapshot.nextOffsets == ["saga.commands": 5])
                    #expect(snapshot.unsentOutbox.map(\.message.value) == (0..<5).map { Array("p\(lease.partition)-\($0)".utf8) })
                }
            }
        },
    ]
}
