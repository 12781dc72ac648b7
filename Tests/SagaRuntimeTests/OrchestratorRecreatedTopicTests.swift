import Foundation
import InMemoryLogging
import Logging
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import Testing

@Suite("Orchestrator: topics created again", .timeLimit(.minutes(4)))
struct OrchestratorRecreatedTopicTests {
    @Test("offsets recorded beyond a topic's end (the broker restarted empty) are logged and the topic is read from its start")
    func storeAheadOfTopics() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // An earlier life on another broker consumed 500 inputs of every partition.
                for partition in 0..<harness.partitions {
                    let lease = try await store.takePartition(partition)
                    try await store.commit(CommitBatch(lease: lease, nextOffsets: [harness.topics.commands: 500, harness.topics.replies: 500]))
                }
                let logs = InMemoryLogHandler()
                var logger = Logger(label: "test.orchestrator") { _ in logs }
                logger.logLevel = .warning
                let orchestrator = Orchestrator(
                    configuration: harness.configuration(), registry: try SagaRegistry([harness.orderDefinition(timeout: .seconds(60))]),
                    store: store, logger: logger
                )
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()
                let terminal = try await withRunning(orchestrator, participants, progress) {
                    let ids = try await client.start((0..<8).map { _ in StartSagaCommand(sagaType: "order") })
                    return await progress.waitForTerminal(ids, timeout: .seconds(90))
                }
                await client.shutdown()
                #expect(terminal.count == 8 && terminal.values.allSatisfy { $0 == .completed }, "\(terminal)")
                let warnings = logs.entries.filter { $0.message.description.contains("ends before the offset the store recorded") }
                // Both input topics of every partition.
                #expect(warnings.count == 2 * Int(harness.partitions), "\(logs.entries.map(\.message))")
                #expect(warnings.allSatisfy { $0.metadata["recordedOffset"] == "500" && $0.metadata["endOffset"] == "0" })
                // What the new log gave is recorded from its start: below the old 500 wherever a saga went.
                var lowered = 0
                for partition in 0..<harness.partitions {
                    let snapshot = try await store.loadPartition(try await store.takePartition(partition))
                    lowered += snapshot.nextOffsets.values.filter { $0 < 500 }.count
                }
                #expect(lowered > 0)
            }
        }
    }
}
