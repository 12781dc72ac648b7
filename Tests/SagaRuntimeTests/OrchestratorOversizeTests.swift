import Foundation
import Kafka
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import Testing

/// One message too large for Kafka must never hold up the other sagas (it once stopped the relay
/// for every partition, across restarts).
@Suite("Orchestrator: messages too large for Kafka", .timeLimit(.minutes(5)))
struct OrchestratorOversizeTests {
    static func payload(bytes: Int) -> JSONValue {
        ["blob": .string(String(repeating: "x", count: bytes))]
    }

    static func deadLetters(_ harness: RuntimeHarness, count: Int) async throws -> [DeadLetter] {
        let letters = try await harness.read(topic: harness.topics.deadLetters, count: count, timeout: .seconds(30))
        return letters.compactMap { $0.value.flatMap { try? SagaMessageCodec.decode(DeadLetter.self, from: $0).get() } }
    }

    @Test("an input over maxInputBytes is dead-lettered with a truncated copy that fits; the sagas around it complete")
    func oversizeInput() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()])
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()

                let (ids, terminal) = try await withRunning(orchestrator, participants, progress) {
                    var ids = try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    // 300 KB: over the default 256 KiB input bound, under what the topic accepts.
                    _ = try await client.start([StartSagaCommand(sagaType: "order", sagaId: "too-big", payload: Self.payload(bytes: 300_000))])
                    ids += try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    return (ids, await progress.waitForTerminal(ids, timeout: .seconds(120)))
                }
                #expect(terminal.count == ids.count)
                #expect(terminal.values.allSatisfy { $0 == .completed })
                #expect(progress.events(of: "too-big").isEmpty)

                let letters = try await Self.deadLetters(harness, count: 1)
                let letter = try #require(letters.first)
                #expect(letter.reason.contains("more than the 262144 bytes"))
                #expect(letter.originalTruncated == true)
                #expect((letter.originalSize ?? 0) > 300_000)
                #expect(Data(base64Encoded: letter.originalBase64)?.count == 65_536)
                #expect(try await store.saga(id: "too-big") == nil)
                await client.shutdown()
            }
        }
    }

    @Test("a command over maxMessageBytes is never sent: its step counts as refused, the saga settles, the others complete")
    func oversizeCommand() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // The payload passes intake but the command that carries it is too large to publish.
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()]) { $0.maxMessageBytes = 100_000 }
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()

                let (ids, terminal) = try await withRunning(orchestrator, participants, progress) {
                    var ids = try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    ids += try await client.start([StartSagaCommand(sagaType: "order", sagaId: "big-command", payload: Self.payload(bytes: 150_000))])
                    ids += try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    let done = await progress.waitForTerminal(ids.filter { $0 != "big-command" }, timeout: .seconds(120))
                    _ = await progress.waitForEvent(of: "big-command", timeout: .seconds(30)) { $0.event == .sagaFailed }
                    return (ids, done)
                }
                #expect(terminal.count == ids.count - 1)
                #expect(terminal.values.allSatisfy { $0 == .completed })
                // Its pending command could not go out, so it compensates; the compensate command
                // carries the same payload and cannot go out either: the saga needs an operator.
                let events = progress.events(of: "big-command").map(\.event)
                #expect(events.contains(.stepRejected))
                #expect(events.contains(.compensationStarted))
                #expect(events.last == .sagaFailed)
                let failed = try #require(progress.events(of: "big-command").last)
                #expect(failed.reason?.contains("cannot be published") == true)
                let record = try #require(try await store.saga(id: "big-command"))
                #expect(record.status == "failed")

                let letters = try await Self.deadLetters(harness, count: 2)
                #expect(letters.count >= 2)
                #expect(letters.allSatisfy { $0.partition == -1 && $0.offset == -1 && $0.originalTruncated == true })
                #expect(letters.allSatisfy { $0.reason.contains("big-command") })
                await client.shutdown()
            }
        }
    }

    @Test("a message the producer refuses for good (MSG_SIZE_TOO_LARGE) is dead-lettered, its saga settles, the relay goes on")
    func refusedByTheProducer() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // The orchestrator's own bound lets the command through; librdkafka refuses it.
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()]) {
                    $0.kafkaProperties["message.max.bytes"] = "120000"
                }
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()

                let (ids, terminal, failed) = try await withRunning(orchestrator, participants, progress) {
                    var ids = try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    _ = try await client.start([StartSagaCommand(sagaType: "order", sagaId: "refused", payload: Self.payload(bytes: 150_000))])
                    ids += try await client.start((0..<5).map { _ in StartSagaCommand(sagaType: "order") })
                    let done = await progress.waitForTerminal(ids, timeout: .seconds(120))
                    let failed = await progress.waitForEvent(of: "refused", timeout: .seconds(60)) { $0.event == .sagaFailed }
                    return (ids, done, failed)
                }
                #expect(terminal.count == ids.count)
                #expect(terminal.values.allSatisfy { $0 == .completed })
                #expect(failed?.reason?.contains("MSG_SIZE_TOO_LARGE") == true)
                let letters = try await Self.deadLetters(harness, count: 2)
                #expect(letters.contains { $0.reason.contains("MSG_SIZE_TOO_LARGE") && $0.originalTruncated == true })
                #expect(harness.metrics.total("saga_dead_letters_total") >= 2)
                await client.shutdown()
            }
        }
    }
}
