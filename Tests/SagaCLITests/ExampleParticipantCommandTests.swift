import Foundation
import Logging
import SagaCore
import SagaClient
import SagaTestKit
import Testing

/// `saga participant example NAME` as its own process, the way the compose file and the manifests
/// run it: with `saga broker` and `saga orchestrator` as child processes, it answers real sagas
/// and stops cleanly on SIGTERM.
@Suite("saga participant example", .timeLimit(.minutes(5)))
struct ExampleParticipantCommandTests {
    /// examples/definitions in this source tree.
    static let definitions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/definitions")

    @Test("the user and payment services as child processes: one saga completes, one over the limit is compensated; SIGTERM exits 0 and removes the ready file")
    func answersSagas() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = try await BrokerProcess(directory: directory, partitions: 2, topics: ["demo.users", "demo.payments", "demo.controllable"])
        let orchestrator = try LoggedChildProcess(
            Products.saga,
            broker.orchestratorArguments(store: "sqlite:\(directory.path)/saga.sqlite", definitions: Self.definitions, group: "example-orchestrator"),
            log: directory.appendingPathComponent("orchestrator.log")
        )
        func participant(_ name: String, store: String?) throws -> (LoggedChildProcess, URL) {
            let ready = directory.appendingPathComponent("\(name).ready")
            let arguments = [
                "participant", "example", name, "--bootstrap-servers", broker.bootstrap, "--ready-file", ready.path,
                "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
            ] + (store.map { ["--store", $0] } ?? [])
            return (try LoggedChildProcess(Products.saga, arguments, log: directory.appendingPathComponent("\(name).log")), ready)
        }
        let (users, usersReady) = try participant("user", store: "sqlite:\(directory.path)/users.sqlite")
        let (payments, paymentsReady) = try participant("payment", store: nil)

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let progress = try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "example-progress"), topic: "saga.progress", logger: quiet)
        let client = try SagaClient(producer: broker.producerConfiguration, commandsTopic: "saga.commands", logger: quiet)
        let logs = { "user:\n\(users.output.suffix(2000))\npayment:\n\(payments.output.suffix(2000))\norchestrator:\n\(orchestrator.output.suffix(2000))" }

        let (ids, terminal) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await progress.run() }
            // The ready files are written by other processes, which tell no one: looked for until there.
            do {
                try await poll("the user and payment services to hold partitions (their ready files)", within: .seconds(90), every: .milliseconds(50)) {
                    FileManager.default.fileExists(atPath: usersReady.path) && FileManager.default.fileExists(atPath: paymentsReady.path)
                }
            } catch {
                Issue.record("\(error): \(logs())")
                throw error
            }
            try await progress.waitUntilReady(within: .seconds(90))
            let ids = try await client.start([
                StartSagaCommand(sagaType: "user-update", payload: ["userId": "u-1", "email": "ada@example.com", "amount": 42]),
                StartSagaCommand(sagaType: "user-update", payload: ["userId": "u-2", "email": "bob@example.com", "amount": 1_000_000]),
            ])
            let terminal = await progress.waitForTerminal(ids, timeout: .seconds(120))
            group.cancelAll()
            try await group.waitForAll()
            return (ids, terminal)
        }
        await client.shutdown()
        #expect(terminal[ids[0]] == .completed, "\(String(describing: terminal[ids[0]])); \(logs())")
        #expect(terminal[ids[1]] == .compensated, "\(String(describing: terminal[ids[1]])); \(logs())")
        // The payment service's refusal is what compensated the second saga.
        let rejection = progress.events(of: ids[1]).first { $0.event == .stepRejected && $0.step == "payment" }
        #expect(rejection != nil, "\(progress.events(of: ids[1]).map(\.event))")
        // Tracing is off here: the events are as they were before tracing existed.
        #expect(!progress.events(of: ids[0]).isEmpty && progress.events(of: ids[0]).allSatisfy { $0.traceId == nil })

        let usersStatus = try await users.stop(timeout: .seconds(30))
        let paymentsStatus = try await payments.stop(timeout: .seconds(30))
        #expect(try await orchestrator.stop(timeout: .seconds(30)) == 0)
        try await broker.stop()
        #expect(usersStatus == 0, "\(users.output.suffix(2000))")
        #expect(paymentsStatus == 0, "\(payments.output.suffix(2000))")
        #expect(users.output.contains("participant stopped"), "\(users.output.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: usersReady.path) && !FileManager.default.fileExists(atPath: paymentsReady.path))
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/users.sqlite"))
    }

    @Test("an unknown example, a bad store URL and an unknown SAGA_ variable are refused with what is wrong; --print-config masks secrets")
    func badArguments() async throws {
        let unknown = try ChildProcess(Products.saga, ["participant", "example", "shipping", "--print-config"])
        #expect(try await unknown.waitForExit(timeout: .seconds(30)) == 64)
        #expect(unknown.errorOutput.contains("no example participant 'shipping': the examples are user, payment, controllable"), "\(unknown.errorOutput)")

        let store = try ChildProcess(Products.saga, ["participant", "example", "user", "--store", "mysql://h/db", "--print-config"])
        #expect(try await store.waitForExit(timeout: .seconds(30)) == 64)
        #expect(store.errorOutput.contains("--store:") && store.errorOutput.contains("is not a store URL"), "\(store.errorOutput)")

        let variable = try ChildProcess(Products.saga, ["participant", "example", "user", "--print-config"], environment: ["SAGA_BOOTSTRAP_SERVER": "kafka:9092"])
        #expect(try await variable.waitForExit(timeout: .seconds(30)) == 64)
        #expect(variable.errorOutput.contains("unknown environment variable SAGA_BOOTSTRAP_SERVER"), "\(variable.errorOutput)")

        let printed = try ChildProcess(Products.saga, ["participant", "example", "controllable", "--print-config", "--topic-prefix", "acme."], environment: [
            "SAGA_BOOTSTRAP_SERVERS": "kafka:9092", "SAGA_KAFKA_SASL_PASSWORD": "s3cr3t-pass",
        ])
        #expect(try await printed.waitForExit(timeout: .seconds(30)) == 0)
        #expect(printed.output.contains("topic: demo.controllable"), "\(printed.output)")
        #expect(printed.output.contains("groupId: controllable-participant"), "\(printed.output)")
        #expect(printed.output.contains("deadLetterTopic: acme.dead-letters"), "\(printed.output)")
        #expect(printed.output.contains("sasl.password: ***") && !printed.output.contains("s3cr3t"), "\(printed.output)")
    }
}
