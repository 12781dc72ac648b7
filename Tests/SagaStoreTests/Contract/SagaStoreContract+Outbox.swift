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
                // One stored row per commit: its records share an id, and ids increase.
                #expect(Set(first.outbox.map(\.id)).count == 1 && Set(second.outbox.map(\.id)).count == 1)
                #expect(first.outbox[0].id < second.outbox[0].id)
                #expect(written.allSatisfy { $0.sagaPartition == 0 })
                #expect(try await store.loadPartition(lease).unsentOutbox == written)
            }
        },
        ContractCase(name: "marked-sent rows are deleted, so no longer loaded; unknown and repeated ids are ignored") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                var commits: [[OutboxRecord]] = []
                for round in 1...4 {
                    commits.append(try await store.commit(
                        CommitBatch(lease: lease, outbox: (1...3).map { Fixture.message("c\(round)-m\($0)") })
                    ).outbox)
                }
                // Marking an id marks every message of its commit; ids may repeat.
                try await store.markSent(commits[0].map(\.id) + [commits[2][0].id, 999_999])
                try await store.markSent([commits[0][0].id])
                try await store.markSent([])
                #expect(try await store.loadPartition(lease).unsentOutbox == commits[1] + commits[3])
                try await store.markSent(commits.flatMap { $0.map(\.id) })
                #expect(try await store.loadPartition(lease).unsentOutbox.isEmpty)
            }
        },
        ContractCase(name: "a group commit stores each partition's messages under an id of its own") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                let one = try await store.takePartition(1)
                let two = try await store.takePartition(2)
                let results = try await store.commit(all: [
                    CommitBatch(lease: zero, outbox: [Fixture.message("z1"), Fixture.message("z2")]),
                    CommitBatch(lease: one, sagas: [Fixture.saga("quiet", partition: 1)]),
                    CommitBatch(lease: two, outbox: [Fixture.message("t1")]),
                ])
                #expect(results[1].outbox.isEmpty)
                #expect(Set(results[0].outbox.map(\.id)).count == 1)
                #expect(results[0].outbox[0].id != results[2].outbox[0].id)
                #expect(results[2].outbox.map(\.sagaPartition) == [2])
                try await store.markSent([results[0].outbox[0].id])
                #expect(try await store.loadPartition(zero).unsentOutbox.isEmpty)
                #expect(try await store.loadPartition(two).unsentOutbox == results[2].outbox)
            }
        },
    ]
}
