import Foundation
import Kafka
import KafkaTestKit
import SagaClient
import SagaCore
import SagaExamples
import SagaParticipant
import SagaRuntime
import SagaStore
import SagaTestKit
import ServiceLifecycleTestKit
import Testing

/// The example participants in real sagas: the orchestrator runs the example definitions over the
/// embedded broker.
@Suite("Example participants in sagas", .timeLimit(.minutes(5)))
struct ExampleSagaTests {
    @Test("user updates complete or are compensated; the controllable participant refuses and fails as told")
    func sagas() async throws {
        let runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let broker = try EmbeddedKafkaBroker(logger: quietLogger)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(runID).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let topics = SagaTopics()
        for topic in topics.all { try await broker.createTopic(topic, partitions: 4) }
        for topic in ExampleParticipants.commandTopics { try await broker.createTopic(topic, partitions: 2) }

        let definitions = try ["user-update.yaml", "controllable.yaml"].map { file in
            let url = exampleDefinitions.appendingPathComponent(file)
            var definition = try #require(SagaDefinition.parse(yaml: try String(contentsOf: url, encoding: .utf8), file: url.path).definition)
            // The files' 3-5 s attempt timeouts suit the demo; with the whole suite on two cores the
            // in-process participants have answered later than that, so the test gives them room
            // (what it checks is what each participant answers, not how fast).
            definition.steps = definition.steps.map { step in
                var step = step
                step.timeout = .seconds(30)
                return step
            }
            definition.deadline = .minutes(5)
            return definition
        }
        let (ended, examples, progress) = try await SQLiteSagaStore(path: path, logger: quietLogger).withRunning { store async throws in
            var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
            configuration.partitions = 4
            configuration.createTopics = false
            configuration.groupID = "orchestrator-\(runID)"
            configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
            configuration.fetchWaitMax = .milliseconds(5)
            let orchestrator = Orchestrator(configuration: configuration, registry: try SagaRegistry(definitions), store: store, logger: quietLogger)
            let examples = ExampleParticipants()
            let participants = examples.services(
                configuration: { name, topic in
                    ParticipantConfiguration(
                        name: name, commandTopics: [topic],
                        consumer: broker.consumerConfiguration(groupID: "\(name)-\(runID)"), producer: broker.producerConfiguration()
                    )
                },
                dedupe: InMemoryParticipantDedupeStore(),
                logger: quietLogger
            )
            let progress = try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "progress-\(runID)"), topic: topics.progress, logger: quietLogger)
            let client = try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: quietLogger)

            let starts = [
                StartSagaCommand(sagaType: "user-update", sagaId: "ok", payload: ["userId": "u-1", "email": "ada@example.com", "amount": 42]),
                StartSagaCommand(sagaType: "user-update", sagaId: "over-limit", payload: ["userId": "u-2", "email": "bob@example.com", "amount": 20_000]),
                StartSagaCommand(sagaType: "controllable", sagaId: "refused", payload: ["steps": ["second": ["refuse": "verify"]]]),
                StartSagaCommand(sagaType: "controllable", sagaId: "retried", payload: ["failAttempts": 1, "delayMs": 20]),
            ]
            let ended = try await testGracefulShutdown { trigger in
                try await withRunningTasks(
                    [{ try await orchestrator.run() }, { try await progress.run() }] + participants.map { participant in { try await participant.run() } },
                    ready: {
                        // Each is woken by its own rebalance.
                        let owned = await orchestrator.waitForStatus(within: .seconds(90)) { $0.ownedPartitions > 0 }
                        try #require(owned != nil, "the orchestrator did not get its partitions within 90 s: \(orchestrator.status)")
                        try await progress.waitUntilReady(within: .seconds(90))
                        for participant in participants { try await ParticipantTestRun.waitUntilReady(participant, within: .seconds(90)) }
                    },
                    stop: { trigger.triggerGracefulShutdown() }
                ) {
                    try await client.start(starts)
                    return await progress.waitForTerminal(starts.compactMap(\.sagaId), timeout: .seconds(90))
                }
            }
            await client.shutdown()
            return (ended, examples, progress)
        }
        await broker.shutdown()

        #expect(ended == ["ok": .completed, "over-limit": .compensated, "refused": .compensated, "retried": .completed])
        #expect(examples.users.profile(of: "u-1")?.email == "ada@example.com")
        #expect(examples.payments.charged("u-1") == 42)
        #expect(examples.users.profile(of: "u-2") == nil, "the compensated change was never applied")
        #expect(examples.users.stagedChanges == 0 && examples.payments.openHolds == 0)
        let refused = progress.events(of: "refused")
        #expect(refused.contains { $0.event == .stepRejected && $0.step == "second" && $0.phase == .verify })
        #expect(refused.contains { $0.event == .stepCompensated && $0.step == "first" })
        let retried = examples.controllable.commands.filter { $0.sagaId == "retried" && $0.phase == .pending }
        #expect(Set(retried.map { "\($0.step)#\($0.attempt)" }) == ["first#1", "first#2", "second#1", "second#2"])
    }
}
