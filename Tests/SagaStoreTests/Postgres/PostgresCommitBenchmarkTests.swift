import SagaStore
import SagaTestKit
import Testing

/// Times the runtime's hot path on PostgreSQL: a group commit over 4 partitions, then marking its
/// outbox rows sent (the relay). One round is the work of 50 sagas of the benchmark shape (8 saga
/// upserts and 20 outbox rows each): 400 upserts (350 updates, 50 inserts) and 1,000 outbox rows.
@Suite("PostgreSQL commit benchmark", .serialized)
struct PostgresCommitBenchmarkTests {
    static let sagasPerRound = 50

    @Test(.timeLimit(.minutes(3)), arguments: [false, true])
    func groupCommitAndMarkSentOf50SagasWorth(fsync: Bool) async throws {
        // The shared server runs with fsync off; a durable figure needs a server of its own.
        let server: PostgresTestServer
        let own: PostgresTestServer?
        if fsync {
            server = try await PostgresTestServer.start(options: .init(fsync: true))
            own = server
        } else {
            server = try await PostgresTestServer.shared()
            own = nil
        }
        try await PostgresSagaStore.open(testURL: server.makeDatabase()).withRunning { store in
            var leases: [PartitionLease] = []
            for partition in Int32(0)..<4 { leases.append(try await store.takePartition(partition)) }
            let state = [UInt8](repeating: 0xAB, count: 512)
            let value = [UInt8](repeating: 0x7B, count: 300)
            func batches(_ round: Int) -> [CommitBatch] {
                leases.map { lease in
                    let partition = Int(lease.partition)
                    // A window of 100 sagas per partition sliding by 12.5 per round: most upserts update.
                    let first = round * Self.sagasPerRound / 4
                    return CommitBatch(
                        lease: lease,
                        sagas: (first..<first + 100).map { index in
                            Fixture.saga("saga-\(partition)-\(index)", partition: lease.partition, updatedAt: Int64(round), state: state)
                        },
                        nextOffsets: ["saga.commands": Int64(round * 100), "saga.replies": Int64(round * 200)],
                        outbox: (0..<250).map { index in
                            OutboxMessage(
                                topic: "participant.p\(index % 3)", key: Array("saga-\(partition)-\(first + index / 20)".utf8),
                                value: value,
                                headers: [
                                    OutboxHeader(name: "type", value: Array("pending".utf8)),
                                    OutboxHeader(name: "saga-id", value: Array("saga-\(first + index / 20)".utf8)),
                                    OutboxHeader(name: "traceparent", value: Array("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".utf8)),
                                ],
                                createdAt: Int64(round)
                            )
                        }
                    )
                }
            }
            let rounds = 24
            let clock = ContinuousClock()
            var commits: [Duration] = []
            var marks: [Duration] = []
            for round in 0..<rounds {
                let roundBatches = batches(round)
                var results: [CommitResult] = []
                let commit = try await clock.measure { results = try await store.commit(all: roundBatches) }
                let ids = results.flatMap { $0.outbox.map(\.id) }
                let mark = try await clock.measure { try await store.markSent(ids) }
                if round >= 4 {  // warm-up rounds
                    commits.append(commit)
                    marks.append(mark)
                }
            }
            let totals = zip(commits, marks).map { $0 + $1 }.sorted()
            let median = totals[totals.count / 2]
            let sagasPerSecond = Double(Self.sagasPerRound) / median.seconds
            print(
                "PostgreSQL group commit, fsync=\(fsync ? "on" : "off"), 4 partitions, 400 saga upserts + 1000 outbox rows,"
                    + " then markSent of the 1000: median commit \(commits.sorted()[commits.count / 2].milliseconds) ms,"
                    + " median markSent \(marks.sorted()[marks.count / 2].milliseconds) ms,"
                    + " median round \(median.milliseconds) ms, max \(totals[totals.count - 1].milliseconds) ms"
                    + " over \(totals.count) rounds: \(Int(sagasPerSecond)) sagas/s of store work"
            )
            var active = 0
            for lease in leases {
                let snapshot = try await store.loadPartition(lease)
                #expect(snapshot.unsentOutbox.isEmpty)
                active += snapshot.activeSagas.count
            }
            #expect(active == 4 * ((rounds - 1) * Self.sagasPerRound / 4 + 100))
            // A loose bound for a busy CI machine; the figure printed above is the result.
            #expect(median < .seconds(2))
        }
        await own?.stop()
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    fileprivate var milliseconds: Double {
        (seconds * 10_000).rounded() / 10
    }
}
