import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaClient
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit

/// One scenario of `saga-bench chaos`: the embedded broker in this process, the orchestrator(s)
/// as child processes on a fresh SQLite file, in-process scripted participants that keep an
/// effect count per idempotency key, sagas started across the fault window, then a bounded wait
/// for every saga to end and the invariants checked.
final class ChaosRun {
    /// The sizes of a run.
    struct Settings {
        var sagas: Int?
        var seed: UInt64
        /// How long faults are injected (sagas start over its first 80%).
        var duration: Duration
        /// How long every saga has to end after the faults stopped.
        var settle: Duration
        /// Malformed inputs of the malformed-input scenario.
        var malformed: Int
        var partitions: Int32 = 4
    }

    static let participantTopics = ChaosSagaPlan.steps.map { "chaos.\($0)" }
    /// What the in-process participants read when a participant process answers the commands.
    static let idleTopic = "chaos.idle"
    static let sagaType = "chaos-order"

    let scenario: ChaosScenario
    let settings: Settings
    let broker: EmbeddedKafkaBroker
    let topics = SagaTopics()
    let directory: URL
    /// The orchestrators' store: a SQLite file, or a database of ``postgres``.
    let store: String
    /// The PostgreSQL server of the postgres-cluster scenario.
    let postgres: PostgresTestServer?
    let logger: Logger
    let orchestrators: ChaosOrchestrators

    init(scenario: ChaosScenario, settings: Settings) async throws {
        self.scenario = scenario
        self.settings = settings
        var logger = Logger(label: "saga.chaos") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        self.logger = logger
        broker = try EmbeddedKafkaBroker(brokerCount: scenario.brokers, logger: logger)
        for topic in topics.all + Self.participantTopics + [Self.idleTopic] {
            try await broker.createTopic(topic, partitions: settings.partitions)
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-chaos-\(scenario.rawValue)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if scenario == .postgresCluster {
            let server = try await PostgresTestServer.start(options: PostgresTestServer.Options(fsync: false))
            postgres = server
            store = try await server.makeDatabase()
        } else {
            postgres = nil
            store = "sqlite:" + directory.appendingPathComponent("chaos.sqlite").path
        }
        var steps = ""
        // An oversize reply is dead-lettered every time, so that step fails by timing out:
        // fewer attempts end those sagas sooner. Elsewhere attempts are many, so that faults
        // alone never exhaust them and turn a saga that should complete into a compensated one.
        let attempts = scenario == .oversize ? 3 : 10
        for (index, (name, topic)) in zip(ChaosSagaPlan.steps, Self.participantTopics).enumerated() {
            steps += "  - name: \(name)\n    topic: \(topic)\n    timeout: 5s\n    retry:\n      maxAttempts: \(attempts)\n      maxBackoff: 2s\n"
            if index > 0 { steps += "    dependsOn: [\(ChaosSagaPlan.steps[index - 1])]\n" }
        }
        try Data("type: \(Self.sagaType)\nversion: 1\ndeadline: 30m\nsteps:\n\(steps)".utf8)
            .write(to: directory.appendingPathComponent("\(Self.sagaType).yaml"))
        let arguments = [
            "orchestrator", "--bootstrap-servers", broker.bootstrapServers,
            "--store", store, "--definitions", directory.path,
            "--partitions", "\(settings.partitions)", "--no-create-topics", "--http", "off", "--log-level", "warning",
            "--group-id", "chaos-orchestrator",
            "-X", "fetch.wait.max.ms=5", "-X", "reconnect.backoff.ms=50", "-X", "reconnect.backoff.max.ms=500",
            "-X", "topic.metadata.refresh.interval.ms=1000", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
        ]
        orchestrators = ChaosOrchestrators(count: scenario.instances, arguments: arguments, directory: directory)
    }

    /// Stops the orchestrators and the broker; keeps the directory (logs, store) when `keep`.
    func stop(keep: Bool) async {
        orchestrators.stopAll()
        await postgres?.stop()
        await broker.shutdown()
        if !keep { try? FileManager.default.removeItem(at: directory) }
    }

    /// Runs the scenario and checks its invariants.
    func execute() async throws -> ChaosResult {
        let began = ContinuousClock.now
        var random = ChaosRandom(seed: settings.seed &+ UInt64(ChaosScenario.allCases.firstIndex(of: scenario) ?? 0))
        let count = settings.sagas ?? scenario.defaultSagas
        let plans = ChaosSagaPlan.plans(count: count, oversizeReplies: scenario == .oversize ? 3 : 0, random: &random)
        try orchestrators.startAll()

        let participants = try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "chaos-participants"), producer: broker.producerConfiguration(),
            topics: scenario == .participantKill ? [Self.idleTopic] : Self.participantTopics, logger: logger, expectedCommands: count * 16
        ) { command in
            let (outcome, reason, output) = ChaosScript.answer(command)
            switch outcome {
            case .succeeded: return .succeed(output: output)
            case .rejected: return .reject(reason ?? "rejected")
            case .failedRetryable: return .failRetryable(reason ?? "retry")
            }
        }
        let collector = try ProgressCollector(
            consumer: broker.consumerConfiguration(groupID: "chaos-progress"), topic: topics.progress, logger: logger, expectedSagas: count
        )
        let deadLetters = try ChaosDeadLetters(
            consumer: broker.consumerConfiguration(groupID: "chaos-dead-letters"), topic: topics.deadLetters, logger: logger
        )
        var rawConfiguration = broker.producerConfiguration()
        // Room for the 2 MB input of the malformed-input scenario.
        rawConfiguration.additionalProperties["message.max.bytes"] = "4000000"
        let raw = try KafkaProducer(configuration: rawConfiguration, logger: logger)
        let client = try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: logger)

        let ledgerPath = directory.appendingPathComponent("participant-ledger.sqlite").path
        let participantProcess = scenario == .participantKill
            ? try ChaosParticipantProcess(bootstrapServers: broker.bootstrapServers, topics: Self.participantTopics, ledger: ledgerPath, directory: directory)
            : nil
        defer { participantProcess?.stop() }

        var result = ChaosResult(scenario: scenario)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await collector.run() }
            group.addTask { try await deadLetters.run() }
            defer { group.cancelAll() }
            let ready = ContinuousClock.now + .seconds(60)
            while !(participants.isReady && collector.isReady && deadLetters.isReady) {
                guard ContinuousClock.now < ready else { throw BenchError("the run's consumers got no partitions within 60 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
            var faults = ChaosFaults(
                scenario: scenario, broker: broker, orchestrators: orchestrators, raw: raw, topics: topics,
                partitions: settings.partitions, participants: participants, collector: collector,
                malformed: settings.malformed, window: settings.duration, random: random, participantProcess: participantProcess
            )

            // The fault window: sagas start over its first 80%, faults throughout.
            var ids: [String] = []
            let window = began + settings.duration
            let startSpan = settings.duration * 0.8
            while ContinuousClock.now < window || ids.count < plans.count {
                let elapsed = ContinuousClock.now - began
                let due = min(plans.count, Int(Double(plans.count) * min(1, elapsed / startSpan)) + 1)
                if due > ids.count {
                    ids += try await client.start((ids.count..<due).map {
                        StartSagaCommand(sagaType: Self.sagaType, payload: plans[$0].payload(number: $0))
                    })
                }
                try await faults.tick()
                try await Task.sleep(for: .milliseconds(50))
            }
            try await faults.finish()
            let faultsEnded = ContinuousClock.now

            // Every saga must settle within the bound once the faults stopped.
            let settleDeadline = faultsEnded + settings.settle
            while ContinuousClock.now < settleDeadline, await collector.waitForTerminal(ids, timeout: .zero).count < ids.count {
                // A participant process that died is started again while sagas settle too.
                _ = try participantProcess?.restartIfDead()
                try await Task.sleep(for: .milliseconds(100))
            }
            try await faults.afterSettling()
            participantProcess?.stop()
            var commands = participants.commands.map(\.command)
            var effects = participants.effects
            if participantProcess != nil {
                let ledger = try ChaosLedger(path: ledgerPath)
                commands = try ledger.received()
                effects = try ledger.effects()
            }
            let expectedDeadLetters = faults.expectedDeadLetters + ChaosCheck.oversizeReplies(commands)
            // The dead letters arrive on their own topic: wait for the expected number, then a
            // little longer, so one too many would be seen.
            while deadLetters.letters.count < expectedDeadLetters && ContinuousClock.now < max(settleDeadline, ContinuousClock.now + .seconds(10)) {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(2))
            result = ChaosCheck(
                ids: ids, plans: plans, topics: topics, collector: collector, commands: commands,
                effects: effects, deadLetters: deadLetters.letters, unreadableDeadLetters: deadLetters.unreadable,
                expectedDeadLetters: expectedDeadLetters
            ).result(scenario: scenario)
            if result.eventGaps > 0 {
                // The invariant is about the topic. Where the missing events are: on the topic
                // (the run's reader skipped them: a note, not a broken invariant) or not.
                let gapped = Set(ids.filter { !ProgressStory.problems(in: collector.events(of: $0)).isEmpty })
                let onTopic = try await ChaosProgressReread.sequences(
                    of: gapped, broker: broker, topic: topics.progress, partitions: settings.partitions, logger: logger
                )
                for id in gapped.sorted() {
                    let events = collector.events(of: id)
                    let seen = Set(events.map(\.sequence))
                    let topic = onTopic[id] ?? []
                    let conflicting = ProgressStory.problems(in: events).contains { $0.hasPrefix("two different events") }
                    if ChaosProgressReread.onlyTheReaderMissed(seen: seen, onTopic: topic, conflicting: conflicting) {
                        result.eventGaps -= 1
                        result.problems.removeAll { $0.hasPrefix("saga \(id): ") && $0.contains("sequence numbers are not") }
                        result.notes.append("saga \(id): the run's reader missed sequences \(topic.subtracting(seen).sorted()), which a fresh read finds on the topic, numbered 1...\(topic.count)")
                    } else {
                        result.problems.append("saga \(id): the run's reader saw sequences \(seen.sorted()); a fresh read of the topic finds \(topic.sorted())")
                    }
                }
            }
            result.faults = faults.injected + orchestrators.kills + ChaosCheck.oversizeReplies(commands) + (participantProcess?.restarts ?? 0)
        }
        await client.shutdown()
        await raw.shutdown(flushTimeout: .seconds(5))
        orchestrators.stopAll()
        try await checkStore(&result)
        result.wallSeconds = (ContinuousClock.now - began).inSeconds
        return result
    }

    /// The store must agree with the progress topic on how many sagas ended each way.
    private func checkStore(_ result: inout ChaosResult) async throws {
        var quiet = Logger(label: "saga.chaos.store")
        quiet.logLevel = .critical
        let sagaStore = try await SagaStoreURL(store).openSagaStore(logger: quiet)
        let counts = try await sagaStore.withRunning { try await $0.countSagasByStatus() }
        let stored = (counts["completed", default: 0], counts["compensated", default: 0], counts.values.reduce(0, +))
        if stored != (result.completed, result.compensated, result.started) {
            result.problems.append("the store holds \(stored.2) sagas, \(stored.0) completed and \(stored.1) compensated; "
                                   + "the progress topic says \(result.started), \(result.completed) and \(result.compensated): \(counts)")
        }
    }
}
