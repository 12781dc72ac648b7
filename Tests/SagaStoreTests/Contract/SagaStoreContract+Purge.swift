import SagaStore
import Testing

extension SagaStoreContract {
    static let purgeCases: [ContractCase] = [
        ContractCase(name: "purge deletes old finished sagas and their start keys only; sent rows are already gone") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                let oldKey = StartKey(sagaType: "order", businessKey: "old")
                let recentKey = StartKey(sagaType: "order", businessKey: "recent")
                let activeKey = StartKey(sagaType: "order", businessKey: "active")
                var written = try await store.commit(
                    CommitBatch(
                        lease: lease,
                        sagas: [
                            Fixture.saga("old", status: "completed", isTerminal: true, updatedAt: 100),
                            Fixture.saga("recent", status: "compensated", isTerminal: true, updatedAt: 5_000),
                            Fixture.saga("active", status: "running", updatedAt: 100),
                        ],
                        outbox: [Fixture.message("old-sent")],
                        startKeys: [
                            StartKeyRegistration(key: oldKey, sagaID: "old"),
                            StartKeyRegistration(key: recentKey, sagaID: "recent"),
                            StartKeyRegistration(key: activeKey, sagaID: "active"),
                        ]
                    )
                ).outbox
                written += try await store.commit(CommitBatch(lease: lease, outbox: [Fixture.message("recent-sent")])).outbox
                written += try await store.commit(CommitBatch(lease: lease, outbox: [Fixture.message("unsent")])).outbox
                try await store.markSent([written[0].id])
                try await store.markSent([written[1].id])

                let result = try await store.purge(finishedBefore: 1_000)
                #expect(result == PurgeResult(sagas: 1, startKeys: 1, outboxRows: 0))
                #expect(try await store.saga(id: "old") == nil)
                #expect(try await store.saga(id: "recent") != nil)
                #expect(try await store.saga(id: "active") != nil)
                // A duplicate start is still recognised while the finished saga is retained.
                let keys = try await store.sagaIDs(forStartKeys: [oldKey, recentKey, activeKey])
                #expect(keys == [recentKey: "recent", activeKey: "active"])
                #expect(try await store.loadPartition(lease).unsentOutbox.map(\.id) == [written[2].id])

                let again = try await store.purge(finishedBefore: 1_000)
                #expect(again == PurgeResult(sagas: 0, startKeys: 0, outboxRows: 0))
                // Once its key is purged, the business key may start a new saga.
                try await store.commit(
                    CommitBatch(lease: lease, sagas: [Fixture.saga("new")], startKeys: [StartKeyRegistration(key: oldKey, sagaID: "new")])
                )
                #expect(try await store.sagaIDs(forStartKeys: [oldKey]) == [oldKey: "new"])
            }
        }
    ]
}
