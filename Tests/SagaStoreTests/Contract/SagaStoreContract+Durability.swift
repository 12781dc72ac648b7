import SagaStore
import Testing

extension SagaStoreContract {
    static let durabilityCases: [ContractCase] = [
        ContractCase(name: "offsets, state and outbox committed together are seen by a second instance") { harness in
            let (saga, lease) = try await harness.withStore { crashed in
                let lease = try await crashed.takePartition(0)
                let saga = Fixture.saga("s", businessKey: "k", nextDeadline: 77)
                try await crashed.commit(
                    CommitBatch(
                        lease: lease, sagas: [saga], nextOffsets: ["saga.commands": 1234, "saga.replies": 56],
                        outbox: [Fixture.message("a"), Fixture.message("b")]
                    )
                )
                // While the first still runs: the second instance sees what the first committed,
                // like a restarted process after a crash.
                try await harness.withStore { restarted in
                    let taken = try await restarted.takePartition(0)
                    #expect(taken.epoch == lease.epoch + 1)
                    let snapshot = try await restarted.loadPartition(taken)
                    #expect(snapshot.nextOffsets == ["saga.commands": 1234, "saga.replies": 56])
                    #expect(snapshot.activeSagas == [saga])
                    #expect(snapshot.unsentOutbox.map(\.message) == [Fixture.message("a"), Fixture.message("b")])
                }
                return (saga, lease)
            }
            _ = lease
            try await harness.withStore { reopened in
                let snapshot = try await reopened.loadPartition(try await reopened.takePartition(0))
                #expect(snapshot.nextOffsets["saga.commands"] == 1234)
                #expect(snapshot.activeSagas == [saga])
            }
        },
        ContractCase(name: "a recorded offset is replaced by the next commit's") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, nextOffsets: ["saga.commands": 10, "saga.replies": 7]))
                try await store.commit(CommitBatch(lease: lease, nextOffsets: ["saga.commands": 20]))
                #expect(try await store.loadPartition(lease).nextOffsets == ["saga.commands": 20, "saga.replies": 7])
            }
        },
        ContractCase(name: "migrations are applied once and reopening keeps the data") { harness in
            let version = try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("kept")]))
                return try await store.schemaVersion()
            }
            #expect(version >= 1)
            for _ in 0..<3 {
                try await harness.withStore { store async throws -> Void in
                    #expect(try await store.schemaVersion() == version)
                    #expect(try await store.saga(id: "kept")?.id == "kept")
                }
            }
        },
        ContractCase(name: "a store refuses calls before it runs and after; it runs once") { harness in
            let store = try await harness.open()
            let early = await #expect(throws: SagaStoreError.self) { try await store.takePartition(0) }
            #expect(early?.code == .notRunning)
            let epoch = try await store.withRunning { try await $0.takePartition(0).epoch }
            #expect(epoch == 1)
            let late = await #expect(throws: SagaStoreError.self) { try await store.takePartition(0) }
            #expect(late?.code == .closed)
            let again = await #expect(throws: SagaStoreError.self) { try await store.withRunning { _ in } }
            #expect(again?.code == .closed)
        },
    ]
}
