import Foundation
import Prometheus
import SagaClient
import SagaCore
import SagaHTTPTestKit
import SagaParticipant
import SagaStore
import SagaTestKit
import Testing

@Suite("The participant SDK's metrics", .serialized, .timeLimit(.minutes(3)))
struct ParticipantMetricsTests {
    @Test("A participant service counts the commands it handled by phase and outcome, times its handler, and counts repeats")
    func participantMetrics() async throws {
        try await HTTPTestRun.test { harness in
            let registry = PrometheusCollectorRegistry()
            var configuration = ParticipantConfiguration(
                name: "inventory", commandTopics: [harness.participantTopics[0]],
                consumer: harness.broker.consumerConfiguration(groupID: "inventory-\(harness.runID)"),
                producer: harness.broker.producerConfiguration()
            )
            configuration.deadLetterTopic = harness.topics.deadLetters
            let service = ParticipantService(
                configuration: configuration,
                handlers: ParticipantHandlers(pending: { _ in .success(output: ["reserved": .bool(true)]) }),
                dedupe: InMemoryParticipantDedupeStore(),
                logger: quietLogger,
                metricsFactory: PrometheusMetricsFactory(registry: registry)
            )
            // The scripted participants answer only the charge step's topic; the SDK answers reserve.
            try await harness.withStack(scriptedTopics: [harness.participantTopics[1]]) { stack in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await service.run() }
                    // Woken by the rebalance that assigns it.
                    try await ParticipantTestRun.waitUntilReady(service, within: .seconds(90))
                    let ids = try await (0..<3).asyncMap { n in
                        try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"p-\#(n)"}"#).json()["sagaId"] as? String ?? ""
                    }
                    let outcomes = await stack.progress.waitForTerminal(ids, timeout: .seconds(120))
                    #expect(ids.allSatisfy { outcomes[$0] == .completed }, "\(outcomes)")
                    let samples = try PrometheusSamples.parse(String(decoding: registry.emitToBuffer(), as: UTF8.self))
                    for phase in ["pending", "verify", "approve"] {
                        #expect(samples.value("saga_participant_commands_total", ["participant": "inventory", "phase": phase, "outcome": "succeeded"]) == 3, "\(phase)")
                        #expect(samples.value("saga_participant_handler_duration_seconds_count", ["participant": "inventory", "phase": phase]) == 3, "\(phase)")
                    }
                    #expect(samples.value("saga_participant_duplicates_total") == nil || samples.value("saga_participant_duplicates_total") == 0)
                    tasks.cancelAll()
                }
            }
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
