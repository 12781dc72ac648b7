import Kafka
import Logging
import SagaCore
import SagaTestKit
import Testing

@testable import SagaRuntime

/// What the orchestrator's log lines about one saga or one input carry, so a log line leads to
/// the trace: the saga id, and the trace id of its `traceparent`.
@Suite("Orchestrator: log lines name the trace", .timeLimit(.minutes(3)))
struct OrchestratorLogTests {
    @Test("a dead-lettered input that carried a traceparent is logged with its trace id; one without carries none")
    func deadLetterLogNamesTheTrace() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()])
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()
                let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                let letters = try await withRunning(orchestrator, participants, progress) {
                    try await client.sendRaw(Array("not json".utf8), key: "traced", headers: [KafkaHeader(name: SagaHeaders.traceparent, value: traceparent)])
                    try await client.sendRaw(Array("not json either".utf8), key: "untraced")
                    return try await harness.read(topic: harness.topics.deadLetters, count: 2, timeout: .seconds(60))
                }
                await client.shutdown()
                #expect(letters.count == 2)
                let logged = harness.logs.entries.filter { $0.message.description == "dead-lettered an input" }
                #expect(logged.count == 2, "\(harness.logs.entries.map(\.message))")
                let traced = logged.filter { $0.metadata["trace_id"] != nil }
                #expect(traced.count == 1, "\(logged.map(\.metadata))")
                #expect(traced.first?.metadata["trace_id"]?.description == "4bf92f3577b34da6a3ce929d0e0e4736")
            }
        }
    }

    @Test("a saga's log metadata names the saga and its trace")
    func sagaMetadata() {
        let machine = SagaMachine(plan: try! SagaPlan(SagaDefinition(type: "t", steps: [StepDefinition(name: "a", topic: "x")])), replyTopic: "r")
        let (state, _) = machine.start(StartSagaCommand(sagaType: "t"), sagaID: "s-1", replyPartition: 0, now: SagaTime(milliseconds: 1), traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let metadata = BatchApplier.metadata(of: state, ["reason": "r"])
        #expect(metadata["saga"]?.description == "s-1")
        #expect(metadata["trace_id"]?.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(metadata["reason"]?.description == "r")
    }
}
