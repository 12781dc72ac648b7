import SagaStore
import Testing

extension SagaStoreContract {
    static let startKeyCases: [ContractCase] = [
        ContractCase(name: "a start key maps to one saga; a conflicting registration fails the batch") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                let key = StartKey(sagaType: "order", businessKey: "order-1")
                let sameKeyOtherType = StartKey(sagaType: "refund", businessKey: "order-1")
                try await store.commit(
                    CommitBatch(
                        lease: lease, sagas: [Fixture.saga("a", businessKey: "order-1")],
                        startKeys: [StartKeyRegistration(key: key, sagaID: "a")]
                    )
                )
                #expect(try await store.sagaIDs(forStartKeys: [key, sameKeyOtherType]) == [key: "a"])

                // The same registration again is a no-op.
                try await store.commit(CommitBatch(lease: lease, startKeys: [StartKeyRegistration(key: key, sagaID: "a")]))

                let error = await #expect(throws: SagaStoreError.self) {
                    try await store.commit(
                        CommitBatch(
                            lease: lease, sagas: [Fixture.saga("b", businessKey: "order-1")],
                            nextOffsets: ["saga.commands": 8], outbox: [Fixture.message("b")],
                            startKeys: [
                                StartKeyRegistration(key: sameKeyOtherType, sagaID: "b"),
                                StartKeyRegistration(key: key, sagaID: "b"),
                            ]
                        )
                    )
                }
                #expect(error?.code == .startKeyConflict)
                #expect(error?.conflict == StartKeyConflict(key: key, existingSagaID: "a", attemptedSagaID: "b"))
                #expect(try await store.saga(id: "b") == nil)
                #expect(try await store.sagaIDs(forStartKeys: [key, sameKeyOtherType]) == [key: "a"])
                let snapshot = try await store.loadPartition(lease)
                #expect(snapshot.nextOffsets.isEmpty)
                #expect(snapshot.unsentOutbox.isEmpty)
            }
        },
        ContractCase(name: "start keys are unique across partitions and instances") { harness in
            try await harness.withStore { first in
                try await harness.withStore { second in
                    let key = StartKey(sagaType: "order", businessKey: "shared")
                    let zero = try await first.takePartition(0)
                    let one = try await second.takePartition(1)
                    try await first.commit(
                        CommitBatch(lease: zero, sagas: [Fixture.saga("x")], startKeys: [StartKeyRegistration(key: key, sagaID: "x")])
                    )
                    let error = await #expect(throws: SagaStoreError.self) {
                        try await second.commit(
                            CommitBatch(
                                lease: one, sagas: [Fixture.saga("y", partition: 1)],
                                startKeys: [StartKeyRegistration(key: key, sagaID: "y")]
                            )
                        )
                    }
                    #expect(error?.conflict?.existingSagaID == "x")
                    #expect(try await second.sagaIDs(forStartKeys: [key]) == [key: "x"])
                }
            }
        },
    ]
}
