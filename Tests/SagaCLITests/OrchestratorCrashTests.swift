import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaCore
import SagaStore
import SagaTestKit
import Testing

/// The orchestrator as a child process whose stderr goes to a file (a pipe nobody reads would
/// fill up and block it).
private final class OrchestratorProcess {
    let process = Process()

    init(arguments: [String], log: URL) throws {
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.executableURL = Products.saga
        process.arguments = ["orchestrator"] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    func terminate() async throws -> Int32? {
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

@Suite("saga orchestrator: crash recovery", .timeLimit(.minutes(4)))
struct OrchestratorCrashTests {
    @Test("killed with SIGKILL at random moments while hundreds of sagas run: every saga finishes, no input applied twice, no effect twice")
    func sigkillRecovery() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let participantTopics = ["crash.inventory", "crash.payment", "crash.shipping"]

        // The broker in its own process.
        let bootstrapFile = directory.appendingPathComponent("bootstrap")
        let broker = try ChildProcess(Products.saga, [
            "broker", "--partitions", "4", "--topics", participantTopics.joined(separator: ","), "--bootstrap-file", bootstrapFile.path,
        ])
        var bootstrap = ""
        let started = ContinuousClock.now
        while bootstrap.isEmpty && ContinuousClock.now - started < .seconds(30) {
            bootstrap = (try? String(contentsOf: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if bootstrap.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(!bootstrap.isEmpty, "saga broker did not announce its address")

        let definitions = directory.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        let steps = zip(["reserve", "charge", "ship"], participantTopics).enumerated().map { index, step in
            "  - name: \(step.0)\n    topic: \(step.1)\n    timeout: 3s\n" + (index == 0 ? "" : "    dependsOn: [reserve]\n")
        }.joined()
        try Data("type: order\nversion: 1\ndeadline: 10m\nsteps:\n\(steps)".utf8).write(to: definitions.appendingPathComponent("order.yaml"))
        let storePath = directory.appendingPathComponent("saga.sqlite").path
        let arguments = [
            "--bootstrap-servers", bootstrap, "--store", "sqlite:\(storePath)", "--definitions", definitions.path,
            "--partitions", "4", "--no-create-topics", "--log-level", "info", "--group-id", "crash-orchestrator",
            "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300",
        ]
        let log = directory.appendingPathComponent("orchestrator.log")

        var quiet = Logger(label: "test")
        quiet.logLevel = .error
        var consumer = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "crash-participants")
        consumer.fetchWaitMax = .milliseconds(5)
        consumer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties
        var producer = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        producer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties.filter { $0.key != "fetch.wait.max.ms" }
        var progressConsumer = consumer
        progressConsumer.groupID = "crash-progress"
        let participants = try ScriptedParticipants(consumer: consumer, producer: producer, topics: participantTopics, logger: quiet) { command in
            // A few refusals so compensation also crosses crashes.
            command.step == "charge" && command.phase == .pending && command.sagaId.hasSuffix("7") ? .reject("declined") : .succeed()
        }
        let progress = try ProgressCollector(consumer: progressConsumer, topic: "saga.progress", logger: quiet)
        let client = try SagaClient(producer: producer, commandsTopic: "saga.commands", logger: quiet)

        let count = 300
        var kills = 0
        let (ids, terminal) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await progress.run() }
            var orchestrator = try OrchestratorProcess(arguments: arguments, log: log)
            var ids: [String] = []
            // Sagas arrive in waves while the orchestrator is killed and restarted, each time
            // a random moment after it has made progress again.
            var eventsAtStart = progress.eventCount
            var killAt: ContinuousClock.Instant?
            let deadline = ContinuousClock.now + .seconds(150)
            while (ids.count < count || kills < 4) && ContinuousClock.now < deadline {
                if ids.count < count || kills < 4 {
                    ids += try await client.start((0..<10).map { _ in StartSagaCommand(sagaType: "order") })
                }
                try await Task.sleep(for: .milliseconds(100))
                if killAt == nil && kills < 4 && progress.eventCount > eventsAtStart + 50 {
                    killAt = ContinuousClock.now + .milliseconds(Int.random(in: 50...600))
                }
                if let at = killAt, ContinuousClock.now >= at {
                    try await orchestrator.kill9()
                    kills += 1
                    killAt = nil
                    eventsAtStart = progress.eventCount
                    orchestrator = try OrchestratorProcess(arguments: arguments, log: log)
                }
            }
            // One more kill while the last sagas are in flight.
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...800)))
            try await orchestrator.kill9()
            kills += 1
            orchestrator = try OrchestratorProcess(arguments: arguments, log: log)
            let terminal = await progress.waitForTerminal(ids, timeout: .seconds(120))
            let status = try await orchestrator.terminate()
            #expect(status == 0, "the orchestrator did not stop cleanly on SIGTERM")
            group.cancelAll()
            try await group.waitForAll()
            return (ids, terminal)
        }
        await client.shutdown()
        broker.signal(SIGTERM)
        _ = try await broker.waitForExit(timeout: .seconds(30))

        #expect(kills == 5)
        // The kills landed mid-flight: some restart took over partitions with sagas still active.
        let takeovers = (try String(contentsOf: log, encoding: .utf8)).split(separator: "\n").filter { $0.contains("took partition") }
        let resumed = takeovers.filter { !$0.contains("activeSagas=0 ") }
        #expect(!resumed.isEmpty, "no restart found active sagas to resume: \(takeovers)")
        #expect(ids.count >= count)
        #expect(terminal.count == ids.count, "\(ids.count - terminal.count) sagas did not finish; log: \(log.path)")
        let compensated = ids.filter { $0.hasSuffix("7") }
        #expect(compensated.allSatisfy { terminal[$0] == .compensated })
        #expect(ids.filter { !$0.hasSuffix("7") }.allSatisfy { terminal[$0] == .completed })
        for id in ids {
            let problems = ProgressStory.problems(in: progress.events(of: id))
            #expect(problems.isEmpty, "saga \(id): \(problems)")
        }
        // Participants deduplicate by idempotency key: each effect applied once, however often
        // a crash made the orchestrator publish a command again.
        #expect(participants.effects.values.allSatisfy { $0 == 1 })
        let store = try await SQLiteSagaStore(path: storePath, logger: quiet)
        let counts = try await store.countSagasByStatus()
        #expect(counts["completed", default: 0] + counts["compensated", default: 0] == ids.count)
        try await store.close()
    }
}
