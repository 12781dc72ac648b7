import SagaStore
import Testing

extension SagaStoreContract {
    static let outboxCases: [ContractCase] = [
        ContractCase(name: "outbox rows keep their order and content across batches") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                let odd = OutboxMessage(
                    topic: "saga.progress", partition: 3, key: nil, value: nil,
                    headers: [
                        OutboxHeader(name: "h", value: [1]), OutboxHeader(name: "h", value: []),
                        OutboxHeader(name: "empty", value: nil),
                    ],
                    createdAt: 42
                )
                let emptyKey = OutboxMessage(topic: "t", key: [], value: [], createdAt: 43)
                let first = try await store.commit(
                    CommitBatch(lease: lease, outbox: [Fixture.message("1"), odd, Fixture.message("3")])
                )
                let second = try await store.commit(CommitBatch(lease: lease, outbox: [emptyKey, Fixture.message("5")]))
                let written = first.outbox + second.outbox
                #expect(written.map(\.message) == [Fixture.message("1"), odd, Fixture.message("3"), emptyKey, Fixture.message("5")])
                #expect(written.map(\.id) == written.map(\.id).sorted())
                #expect(Set(written.map(\.id)).count == 5)
                #expect(try await store.loadPartition(lease).unsentOutbox == written)
            }
        },
        ContractCase(name: "marked-sent rows are no longer loaded; unknown and repeated ids are ignored") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                let written = try await store.commit(
                    CommitBatch(lease: lease, outbox: (1...4).map { Fixture.message("m\($0)") })
                ).outbox
                try await store.markSent([written[0].id, written[2].id, 999_999], sentAt: 10)
                try await store.markSent([written[0].id], sentAt: 11)
                try await store.markSent([], sentAt: 12)
                #expect(try await store.loadPartition(lease).unsentOutbox == [written[1], written[3]])
                try await store.markSent(written.map(\.id), sentAt: 13)
                #expect(try await store.loadPartition(lease).unsentOutbox.isEmpty)
            }
        },
    ]
}
