import SagaStore
import Testing

/// Times the runtime's group commit: one poll batch of 500 saga upserts and 1,500 outbox rows.
@Suite("SQLite commit benchmark")
struct SQLiteCommitBenchmarkTests {
    @Test(.timeLimit(.minutes(1)), arguments: [SQLiteConfiguration.Synchronous.normal, .full])
    func groupCommitOf500SagasAnd1500OutboxRows(_ synchronous: SQLiteConfiguration.Synchronous) async throws {
        try await withTemporaryDirectory { directory in
            try await SQLiteSagaStore(
                path: directory.file("bench.sqlite"), configuration: SQLiteConfiguration(synchronous: synchronous),
                logger: Fixture.logger().0
            ).withRunning { store in
                let lease = try await store.takePartition(0)
                let state = [UInt8](repeating: 0xAB, count: 512)
                let value = [UInt8](repeating: 0x7B, count: 300)
                func batch(_ round: Int) -> CommitBatch {
                    CommitBatch(
                        lease: lease,
                        // The same 500 ids each round: the first round inserts, the others update.
                        sagas: (0..<500).map { index in
                            Fixture.saga("saga-\(index)", updatedAt: Int64(round), state: state)
                        },
                        nextOffsets: ["saga.commands": Int64(round * 1000), "saga.replies": Int64(round * 2000)],
                        outbox: (0..<1500).map { index in
                            OutboxMessage(
                                topic: "participant.p\(index % 3)", key: Array("saga-\(index / 3)".utf8), value: value,
                                headers: [
                                    OutboxHeader(name: "type", value: Array("pending".utf8)),
                                    OutboxHeader(name: "saga-id", value: Array("saga-\(index / 3)".utf8)),
                                    OutboxHeader(name: "traceparent", value: Array("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".utf8)),
                                ],
                                createdAt: Int64(round)
                            )
                        }
                    )
                }
                let rounds = 12
                let batches = (0..<rounds).map(batch)
                let clock = ContinuousClock()
                var durations: [Duration] = []
                for (round, batch) in batches.enumerated() {
                    let elapsed = try await clock.measure { try await store.commit(batch) }
                    if round >= 2 { durations.append(elapsed) }  // two warm-up rounds
                }
                durations.sort()
                let median = durations[durations.count / 2]
                print(
                    "SQLite commit, synchronous=\(synchronous), 500 sagas + 1500 outbox rows:"
                        + " median \(median.milliseconds) ms, min \(durations[0].milliseconds) ms,"
                        + " max \(durations[durations.count - 1].milliseconds) ms over \(durations.count) commits"
                )
                let snapshot = try await store.loadPartition(lease)
                #expect(snapshot.unsentOutbox.count == rounds * 1500)
                #expect(snapshot.activeSagas.count == 500)
                // A loose bound for slow CI machines and debug builds; the figure above is the result.
                #expect(median < .seconds(2))
            }
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
