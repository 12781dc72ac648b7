import SagaStore
import Testing

extension SagaStoreContract {
    static func entry(_ saga: String, _ sequence: Int64, time: Int64 = 5_000, kind: String = "stepSucceeded", phase: String? = "execute", latency: Int64? = nil) -> ProgressEntry {
        ProgressEntry(sagaID: saga, sequence: sequence, time: time, kind: kind, phase: phase, latency: latency, event: Array("{\"sequence\":\(sequence)}".utf8))
    }

    static let operationsCases: [ContractCase] = [
        ContractCase(name: "progress history is written with the commit, kept to the limit per saga, oldest first") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(
                    lease: lease, sagas: [Fixture.saga("a"), Fixture.saga("b")],
                    progress: [entry("a", 1), entry("a", 2), entry("b", 1)], progressLimit: 3
                ))
                #expect(try await store.progressHistory(sagaID: "a").map(\.sequence) == [1, 2])
                #expect(try await store.progressHistory(sagaID: "a").first == entry("a", 1))
                // Four more for a: only its newest three are kept; b's is untouched.
                try await store.commit(all: [CommitBatch(
                    lease: lease, sagas: [Fixture.saga("a")],
                    progress: [entry("a", 3), entry("a", 4), entry("a", 5), entry("a", 6)], progressLimit: 3
                )])
                #expect(try await store.progressHistory(sagaID: "a").map(\.sequence) == [4, 5, 6])
                #expect(try await store.progressHistory(sagaID: "b").map(\.sequence) == [1])
                #expect(try await store.progressHistory(sagaID: "nobody").isEmpty)
            }
        },
        ContractCase(name: "no progress history is written with a limit of 0, and a fenced commit writes none") { harness in
            try await harness.withStore { store in
                let old = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: old, sagas: [Fixture.saga("a")], progress: [entry("a", 1)], progressLimit: 0))
                #expect(try await store.progressHistory(sagaID: "a").isEmpty)
                _ = try await store.takePartition(0)
                await #expect(throws: SagaStoreError.self) {
                    try await store.commit(CommitBatch(lease: old, sagas: [Fixture.saga("a")], progress: [entry("a", 2)], progressLimit: 10))
                }
                #expect(try await store.progressHistory(sagaID: "a").isEmpty)
            }
        },
        ContractCase(name: "a purged saga's history goes with it") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(
                    lease: lease,
                    sagas: [Fixture.saga("done", status: "completed", isTerminal: true, updatedAt: 1_000), Fixture.saga("active")],
                    progress: [entry("done", 1), entry("active", 1)], progressLimit: 10
                ))
                let purged = try await store.purge(finishedBefore: 2_000)
                #expect(purged.sagas == 1)
                #expect(try await store.progressHistory(sagaID: "done").isEmpty)
                #expect(try await store.progressHistory(sagaID: "active").count == 1)
            }
        },
        ContractCase(name: "step latencies come from the history's replies within the window, newest first") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(
                    lease: lease, sagas: [Fixture.saga("a")],
                    progress: [
                        entry("a", 1, time: 1_000, kind: "sagaStarted", phase: nil),
                        entry("a", 2, time: 2_000, latency: 40),
                        entry("a", 3, time: 3_000, kind: "stepCompensated", phase: nil, latency: 70),
                        entry("a", 4, time: 9_000, phase: "verify", latency: 5),
                    ],
                    progressLimit: 10
                ))
                let all = try await store.stepLatencies(since: 0, limit: 10)
                #expect(all == [StepLatency(phase: "verify", milliseconds: 5), StepLatency(phase: "compensate", milliseconds: 70), StepLatency(phase: "execute", milliseconds: 40)])
                #expect(try await store.stepLatencies(since: 2_500, limit: 10).count == 2)
                #expect(try await store.stepLatencies(since: 0, limit: 1) == [StepLatency(phase: "verify", milliseconds: 5)])
            }
        },
        ContractCase(name: "outcome counts are per type and terminal status, from the finish time") { harness in
            try await harness.withStore { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, sagas: [
                    Fixture.saga("old", type: "order", status: "completed", isTerminal: true, updatedAt: 1_000),
                    Fixture.saga("c1", type: "order", status: "completed", isTerminal: true, updatedAt: 5_000),
                    Fixture.saga("c2", type: "order", status: "completed", isTerminal: true, updatedAt: 6_000),
                    Fixture.saga("x1", type: "order", status: "compensated", isTerminal: true, updatedAt: 6_000),
                    Fixture.saga("t1", type: "trip", status: "failed", isTerminal: true, updatedAt: 7_000),
                    Fixture.saga("running", type: "order", updatedAt: 8_000),
                ]))
                #expect(try await store.outcomeCounts(finishedSince: 5_000) == [
                    OutcomeCount(type: "order", status: "compensated", count: 1),
                    OutcomeCount(type: "order", status: "completed", count: 2),
                    OutcomeCount(type: "trip", status: "failed", count: 1),
                ])
                #expect(try await store.outcomeCounts(finishedSince: 10_000).isEmpty)
            }
        },
        ContractCase(name: "heartbeats: the latest per instance, listed by id, forgotten when old") { harness in
            try await harness.withStore { store in
                let status = Array(#"{"partitions":[]}"#.utf8)
                try await store.recordHeartbeat(InstanceHeartbeat(instanceID: "i-1", host: "h1", startedAt: 100, lastSeen: 1_000, status: status))
                try await store.recordHeartbeat(InstanceHeartbeat(instanceID: "i-2", host: "h2", startedAt: 200, lastSeen: 5_000, status: [1]))
                try await store.recordHeartbeat(InstanceHeartbeat(instanceID: "i-1", host: "h1", startedAt: 100, lastSeen: 6_000, status: status))
                try await store.recordHeartbeat(InstanceHeartbeat(instanceID: "i-3", host: "h3", startedAt: 300, lastSeen: 50, status: [2]))
                let seen = try await store.instances(seenSince: 2_000, forgetBefore: 100)
                #expect(seen == [
                    InstanceHeartbeat(instanceID: "i-1", host: "h1", startedAt: 100, lastSeen: 6_000, status: status),
                    InstanceHeartbeat(instanceID: "i-2", host: "h2", startedAt: 200, lastSeen: 5_000, status: [1]),
                ])
                // i-3 was forgotten by that call: even a wide window no longer lists it.
                #expect(try await store.instances(seenSince: 0, forgetBefore: 0).map(\.instanceID) == ["i-1", "i-2"])
            }
        },
    ]
}
