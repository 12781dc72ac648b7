import SagaStore
import Testing

extension SagaStoreContract {
    static let queryCases: [ContractCase] = [
        ContractCase(name: "sagas are listed by status and type, ordered by update time, limited") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                let one = try await store.takePartition(1)
                try await store.commit(
                    CommitBatch(
                        lease: zero,
                        sagas: [
                            Fixture.saga("r1", type: "order", status: "running", updatedAt: 10),
                            Fixture.saga("r2", type: "trip", status: "running", updatedAt: 30),
                            Fixture.saga("c1", type: "order", status: "completed", isTerminal: true, updatedAt: 20),
                        ]
                    )
                )
                try await store.commit(
                    CommitBatch(
                        lease: one,
                        sagas: [
                            Fixture.saga("p1", partition: 1, type: "order", status: "paused", updatedAt: 40),
                            Fixture.saga("r3", partition: 1, type: "order", status: "running", updatedAt: 30),
                        ]
                    )
                )
                let everything = try await store.listSagas(SagaQuery())
                #expect(everything.map(\.id) == ["p1", "r3", "r2", "c1", "r1"])
                let oldest = try await store.listSagas(SagaQuery(limit: 2, order: .oldestFirst))
                #expect(oldest.map(\.id) == ["r1", "c1"])
                let running = try await store.listSagas(SagaQuery(statuses: ["running"]))
                #expect(running.map(\.id) == ["r3", "r2", "r1"])
                let orders = try await store.listSagas(SagaQuery(statuses: ["running", "paused"], type: "order"))
                #expect(orders.map(\.id) == ["p1", "r3", "r1"])
                #expect(try await store.listSagas(SagaQuery(type: "none")).isEmpty)
                #expect(try await store.listSagas(SagaQuery(limit: 0)).isEmpty)
                let counts = try await store.countSagasByStatus()
                #expect(counts == ["running": 3, "completed": 1, "paused": 1])
            }
        },
        ContractCase(name: "listings filter by business key and id prefix, and walk pages after a position") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                try await store.commit(
                    CommitBatch(
                        lease: zero,
                        sagas: [
                            Fixture.saga("abc-1", type: "order", status: "running", businessKey: "k1", updatedAt: 10),
                            Fixture.saga("abc-2", type: "order", status: "completed", isTerminal: true, businessKey: "k2", updatedAt: 20),
                            Fixture.saga("abd-3", type: "order", status: "running", updatedAt: 30),
                            Fixture.saga("x%_4", type: "order", status: "running", updatedAt: 30),
                        ]
                    )
                )
                #expect(try await store.listSagas(SagaQuery(businessKey: "k2")).map(\.id) == ["abc-2"])
                #expect(try await store.listSagas(SagaQuery(idPrefix: "abc")).map(\.id) == ["abc-2", "abc-1"])
                #expect(try await store.listSagas(SagaQuery(idPrefix: "ab")).count == 3)
                // A prefix is matched as it is, not as a pattern.
                #expect(try await store.listSagas(SagaQuery(idPrefix: "x%")).map(\.id) == ["x%_4"])
                #expect(try await store.listSagas(SagaQuery(idPrefix: "%")).isEmpty)
                // Pages: newest first, ties by id; each page starts after the last of the one before.
                var seen: [String] = []
                var after: SagaQuery.Position?
                repeat {
                    let page = try await store.listSagas(SagaQuery(limit: 1, after: after))
                    seen += page.map(\.id)
                    after = page.last.map { SagaQuery.Position(updatedAt: $0.updatedAt, id: $0.id) }
                } while after != nil && seen.count < 10
                #expect(seen == ["x%_4", "abd-3", "abc-2", "abc-1"])
                let oldestAfter = try await store.listSagas(SagaQuery(order: .oldestFirst, after: SagaQuery.Position(updatedAt: 20, id: "abc-2")))
                #expect(oldestAfter.map(\.id) == ["abd-3", "x%_4"])
            }
        },
        ContractCase(name: "sagas are read by ids in one call, finished or not; unknown ids are absent") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                let one = try await store.takePartition(1)
                try await store.commit(CommitBatch(lease: zero, sagas: [
                    Fixture.saga("a", status: "running"), Fixture.saga("done", status: "completed", isTerminal: true),
                ]))
                try await store.commit(CommitBatch(lease: one, sagas: [Fixture.saga("b", partition: 1)]))
                let found = try await store.sagas(ids: ["a", "done", "b", "missing", "a"])
                #expect(Set(found.keys) == ["a", "done", "b"])
                #expect(found["done"]?.isTerminal == true && found["b"]?.partition == 1)
                #expect(found["a"] == (try await store.saga(id: "a")))
                #expect(try await store.sagas(ids: []).isEmpty)
            }
        },
        ContractCase(name: "a saga that finishes and runs again moves between the active and finished listings") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, sagas: [
                    Fixture.saga("f", status: "failed", isTerminal: true, updatedAt: 50),
                    Fixture.saga("a", status: "running", updatedAt: 40),
                ]))
                #expect(try await store.listSagas(SagaQuery(statuses: ["failed"])).map(\.id) == ["f"])
                // An operator retries the failed saga: it is active again, and newest.
                try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("f", status: "compensating", updatedAt: 60)]))
                #expect(try await store.listSagas(SagaQuery(statuses: ["failed"])).isEmpty)
                #expect(try await store.listSagas(SagaQuery(limit: 1)).map(\.id) == ["f"])
                // Not purged while active, however old its first finish.
                #expect(try await store.purge(finishedBefore: 1_000).sagas == 0)
                try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("f", status: "compensated", isTerminal: true, updatedAt: 70)]))
                #expect(try await store.listSagas(SagaQuery(order: .oldestFirst)).map(\.id) == ["a", "f"])
                #expect(try await store.purge(finishedBefore: 70).sagas == 0)
                #expect(try await store.purge(finishedBefore: 71).sagas == 1)
                #expect(try await store.saga(id: "f") == nil)
                #expect(try await store.saga(id: "a") != nil)
            }
        },
        ContractCase(name: "saga ids are found by their first characters, exactly, in id order, limited") { harness in
            try await harness.withStore { store in
                let zero = try await store.takePartition(0)
                let one = try await store.takePartition(1)
                try await store.commit(CommitBatch(lease: zero, sagas: [
                    Fixture.saga("f969296a-1111", status: "running"),
                    Fixture.saga("f969296a-0000", status: "completed", isTerminal: true),
                    Fixture.saga("F969296A-upper", status: "running"),
                    Fixture.saga("f96%_x", status: "running"),
                ]))
                try await store.commit(CommitBatch(lease: one, sagas: [Fixture.saga("f97-other", partition: 1), Fixture.saga("f969\u{e9}t\u{e9}", partition: 1)]))
                #expect(try await store.sagaIDs(startingWith: "f969296a", limit: 10) == ["f969296a-0000", "f969296a-1111"])
                #expect(try await store.sagaIDs(startingWith: "f969296a", limit: 1) == ["f969296a-0000"])
                #expect(try await store.sagaIDs(startingWith: "f969296a-1111", limit: 10) == ["f969296a-1111"])
                #expect(try await store.sagaIDs(startingWith: "F969", limit: 10) == ["F969296A-upper"])
                #expect(try await store.sagaIDs(startingWith: "f969\u{e9}", limit: 10) == ["f969\u{e9}t\u{e9}"])
                // LIKE's wildcards are plain characters here.
                #expect(try await store.sagaIDs(startingWith: "f96%", limit: 10) == ["f96%_x"])
                #expect(try await store.sagaIDs(startingWith: "f9_", limit: 10).isEmpty)
                #expect(try await store.sagaIDs(startingWith: "nothing", limit: 10).isEmpty)
                #expect(try await store.sagaIDs(startingWith: "f9", limit: 0).isEmpty)
                #expect(try await store.sagaIDs(startingWith: "", limit: 10).count == 6)
            }
        },
    ]
}
