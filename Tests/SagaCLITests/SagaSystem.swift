import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaCore
import SagaTestKit
import Testing

/// The orchestrator as a child process whose output goes to a log file (a pipe nobody reads
/// would fill up and block it).
final class OrchestratorProcess {
    let process = Process()
    let log: URL

    init(arguments: [String], log: URL) throws {
        self.log = log
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.executableURL = Products.saga
        process.arguments = ["orchestrator"] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Kills it with SIGKILL and waits (bounded) until it is gone.
    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Freezes it (SIGSTOP): a paused, slow or cut-off instance as its peers see it.
    func freeze() { kill(process.processIdentifier, SIGSTOP) }

    /// Lets a frozen instance go on (SIGCONT).
    func thaw() { kill(process.processIdentifier, SIGCONT) }

    /// Asks it to stop (SIGTERM); its exit status, or `nil` when it is still running after 30 s.
    func terminate() async throws -> Int32? {
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The log lines so far that contain `text`.
    func logLines(containing text: String) -> [Substring] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(text) }
    }
}

/// The store the orchestrators of a ``SagaSystem`` share.
enum SystemStore: String, CustomTestStringConvertible, Sendable {
    /// A SQLite file in the system's directory (several processes on one file, serialized by its lock).
    case sqlite
    /// A fresh database on the test run's PostgreSQL server.
    case postgres

    var testDescription: String { rawValue }
}

/// A whole system for end-to-end tests: `saga broker` in its own process, a 3-step `order` saga
/// definition (ship and charge depend on reserve), orchestrator processes started on demand, and
/// in this process scripted participants, a progress collector and a client.
final class SagaSystem {
    static let participantTopics = ["system.inventory", "system.payment", "system.shipping"]

    let directory: URL
    let bootstrap: String
    let participants: ScriptedParticipants
    let progress: ProgressCollector
    let client: SagaClient
    private let broker: ChildProcess
    private let partitions: Int

    /// Starts the broker and the in-process parts.
    /// - Parameters:
    ///   - name: names the temporary directory.
    ///   - partitions: partitions of every topic.
    ///   - script: the participants' answers.
    init(name: String, partitions: Int = 4, script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior) async throws {
        self.partitions = partitions
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bootstrapFile = directory.appendingPathComponent("bootstrap")
        broker = try ChildProcess(Products.saga, [
            "broker", "--partitions", "\(partitions)", "--topics", Self.participantTopics.joined(separator: ","),
            "--bootstrap-file", bootstrapFile.path,
        ])
        var bootstrap = ""
        let started = ContinuousClock.now
        while bootstrap.isEmpty && ContinuousClock.now - started < .seconds(30) {
            bootstrap = (try? String(contentsOf: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if bootstrap.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        self.bootstrap = bootstrap
        try #require(!bootstrap.isEmpty, "saga broker did not announce its address")

        let definitions = directory.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        let steps = zip(["reserve", "charge", "ship"], Self.participantTopics).enumerated().map { index, step in
            "  - name: \(step.0)\n    topic: \(step.1)\n    timeout: 3s\n" + (index == 0 ? "" : "    dependsOn: [reserve]\n")
        }.joined()
        try Data("type: order\nversion: 1\ndeadline: 10m\nsteps:\n\(steps)".utf8).write(to: definitions.appendingPathComponent("order.yaml"))

        var quiet = Logger(label: "test")
        quiet.logLevel = .error
        var consumer = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "system-participants")
        consumer.fetchWaitMax = .milliseconds(5)
        consumer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties
        var producer = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        producer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties.filter { $0.key != "fetch.wait.max.ms" }
        var progressConsumer = consumer
        progressConsumer.groupID = "system-progress"
        participants = try ScriptedParticipants(consumer: consumer, producer: producer, topics: Self.participantTopics, logger: quiet, script: script)
        progress = try ProgressCollector(consumer: progressConsumer, topic: "saga.progress", logger: quiet)
        client = try SagaClient(producer: producer, commandsTopic: "saga.commands", logger: quiet)
    }

    /// The arguments of `saga orchestrator` for this system on `store`, in group `group`.
    /// Short session timeouts, so a dead or frozen instance is noticed within seconds.
    func orchestratorArguments(store: String, group: String = "system-orchestrator") -> [String] {
        [
            "--bootstrap-servers", bootstrap, "--store", store,
            "--definitions", directory.appendingPathComponent("definitions").path,
            "--partitions", "\(partitions)", "--no-create-topics", "--log-level", "info", "--group-id", group,
            "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300",
        ]
    }

    /// A fresh store of `kind` for this system's orchestrators, as a store URL.
    func makeStore(_ kind: SystemStore) async throws -> String {
        switch kind {
        case .sqlite:
            return "sqlite:\(directory.appendingPathComponent("saga.sqlite").path)"
        case .postgres:
            let server = try await PostgresTestServer.shared()
            return try await server.makeDatabase()
        }
    }

    /// Starts an orchestrator process logging to `<directory>/<logName>.log`.
    func startOrchestrator(store: String, logName: String) throws -> OrchestratorProcess {
        try OrchestratorProcess(arguments: orchestratorArguments(store: store), log: directory.appendingPathComponent("\(logName).log"))
    }

    /// Runs the participants and the progress collector around `body`, then stops them.
    func running<T>(_ body: () async throws -> T) async throws -> T {
        let (participants, progress) = (participants, progress)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await progress.run() }
            let result: T
            do {
                result = try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    /// Problems with the finished run: sagas that did not end as `expected` says, progress
    /// stories with gaps or two different events under one number (an input applied twice),
    /// and participant effects applied more than once.
    func problems(ids: [String], terminal: [String: SagaStatus], expected: (String) -> SagaStatus) -> [String] {
        var problems: [String] = []
        let unfinished = ids.filter { terminal[$0] == nil }
        if !unfinished.isEmpty { problems.append("\(unfinished.count) of \(ids.count) sagas did not finish, e.g. \(unfinished.prefix(3))") }
        for id in ids {
            if let status = terminal[id], status != expected(id) { problems.append("saga \(id) ended \(status), expected \(expected(id))") }
            for problem in ProgressStory.problems(in: progress.events(of: id)) { problems.append("saga \(id): \(problem)") }
        }
        let repeated = participants.effects.filter { $0.value != 1 }
        if !repeated.isEmpty { problems.append("effects applied more than once: \(repeated.prefix(5))") }
        return problems
    }

    /// Stops the in-process parts and the broker, and removes the directory unless `keep`.
    func shutdown(keep: Bool = false) async throws {
        await client.shutdown()
        broker.signal(SIGTERM)
        _ = try await broker.waitForExit(timeout: .seconds(30))
        if !keep { try? FileManager.default.removeItem(at: directory) }
    }
}
