import Foundation
import Kafka
import Logging
import SagaClient
import SagaCore
import SagaTestKit
import Testing

/// A whole system for end-to-end tests: `saga broker` in its own process, a 3-step `order` saga
/// definition (ship and charge depend on reserve), orchestrator processes started on demand, and
/// in this process scripted participants, a progress collector and a client.
final class SagaSystem {
    static let participantTopics = ["system.inventory", "system.payment", "system.shipping"]

    let directory: URL
    let broker: BrokerProcess
    let participants: ScriptedParticipants
    let progress: ProgressCollector
    let client: SagaClient

    /// Starts the broker and the in-process parts.
    /// - Parameters:
    ///   - name: names the temporary directory.
    ///   - partitions: partitions of every topic.
    ///   - stepTimeout: the timeout of each step, as written in a definition.
    ///   - script: the participants' answers.
    init(
        name: String, partitions: Int = 4, stepTimeout: String = "3s",
        script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-\(name)-\(UUID().uuidString)")
        let definitions = directory.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        let steps = zip(["reserve", "charge", "ship"], Self.participantTopics).enumerated().map { index, step in
            // Ten attempts: a step that times out on a loaded machine (or while its partition
            // changes hands) is retried, not given up after three, so a saga meant to complete does.
            "  - name: \(step.0)\n    topic: \(step.1)\n    timeout: \(stepTimeout)\n    retry:\n      maxAttempts: 10\n"
                + (index == 0 ? "" : "    dependsOn: [reserve]\n")
        }.joined()
        try Data("type: order\nversion: 1\ndeadline: 10m\nsteps:\n\(steps)".utf8).write(to: definitions.appendingPathComponent("order.yaml"))
        broker = try await BrokerProcess(directory: directory, partitions: partitions, topics: Self.participantTopics)

        var quiet = Logger(label: "test")
        quiet.logLevel = .error
        participants = try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "system-participants"), producer: broker.producerConfiguration,
            topics: Self.participantTopics, logger: quiet, script: script
        )
        progress = try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "system-progress"), topic: "saga.progress", logger: quiet)
        client = try SagaClient(producer: broker.producerConfiguration, commandsTopic: "saga.commands", logger: quiet)
    }

    /// The directory of the saga definitions.
    var definitions: URL { directory.appendingPathComponent("definitions") }

    /// Starts an orchestrator process on `store` in group `group`, logging to
    /// `<directory>/<logName>.log`.
    func startOrchestrator(store: String, logName: String, group: String = "system-orchestrator") throws -> LoggedChildProcess {
        try LoggedChildProcess(
            Products.saga, broker.orchestratorArguments(store: store, definitions: definitions, group: group),
            log: directory.appendingPathComponent("\(logName).log")
        )
    }

    /// A fresh database on the test run's PostgreSQL server, as a store URL.
    func makePostgresStore() async throws -> String {
        try await PostgresTestServer.shared().makeDatabase()
    }

    /// Runs the participants and the progress collector around `body`, then stops them (and so
    /// releases their Kafka clients).
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

    /// Starts `batch` `order` sagas every `interval` while `wait` runs, so traffic keeps flowing
    /// through what a test waits for (a handover, a rejoin); stops when `wait` returns or throws.
    /// - Returns: The ids of the sagas started.
    func startingSagas(_ batch: Int = 5, every interval: Duration = .milliseconds(100), while wait: () async throws -> Void) async throws -> [String] {
        let client = self.client
        return try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                var ids: [String] = []
                while !Task.isCancelled {
                    do {
                        ids += try await client.start((0..<batch).map { _ in StartSagaCommand(sagaType: "order") })
                    } catch where Task.isCancelled {
                        break
                    }
                    // The subject is time passing: a steady flow of sagas, not one burst.
                    try? await Task.sleep(for: interval)
                }
                return ids
            }
            do {
                try await wait()
            } catch {
                group.cancelAll()
                _ = try? await group.next()
                throw error
            }
            group.cancelAll()
            return try await group.next() ?? []
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

    /// Stops the client, then the broker (the participants and the progress collector stopped
    /// when ``running(_:)`` ended), and removes the directory unless `keep`.
    func shutdown(keep: Bool = false) async throws {
        await client.shutdown()
        try await broker.stop()
        if !keep { try? FileManager.default.removeItem(at: directory) }
    }
}
