import ArgumentParser
import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import ServiceLifecycle

/// `saga dev`: the whole system on one machine — embedded broker, orchestrator on a SQLite file,
/// demo participants — with two demo sagas and their progress printed live.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded broker, the orchestrator and demo participants, with two demo sagas.",
        discussion: """
            Starts librdkafka's mock cluster on loopback, an orchestrator on a SQLite file, and demo \
            participants for the 'user-update' saga (a user service and a payment service). It \
            starts one saga that completes and one that the payment service refuses, so it is \
            compensated, prints every progress event, and keeps running until Ctrl-C so more \
            sagas can be started from another terminal (the command to do so is printed).
            """
    )

    @Option(help: "Directory for the SQLite store and the demo definition.")
    var directory: String = ".saga-dev"

    @Option(help: "Stop after the demo sagas finished instead of running until Ctrl-C.")
    var exitAfterDemo: Bool = false

    func run() async throws {
        var logger = Logger(label: "saga.dev") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let definitionFile = "\(directory)/user-update.yaml"
        try Data(DevDemo.definitionYAML.utf8).write(to: URL(fileURLWithPath: definitionFile))
        let registry = try DefinitionLoader.registry(from: [definitionFile])

        let broker = try EmbeddedKafkaBroker(logger: logger)
        let topics = SagaTopics()
        for topic in topics.all { try await broker.createTopic(topic, partitions: 4) }
        for topic in DevDemo.participantTopics { try await broker.createTopic(topic, partitions: 2) }

        // The embedded broker starts empty every time, so the store must too: offsets recorded
        // against an earlier broker's topics mean nothing to this one.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: "\(directory)/saga.sqlite\(suffix)")
        }
        let store = try await SQLiteSagaStore(path: "\(directory)/saga.sqlite", logger: logger)
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        configuration.partitions = 4
        configuration.createTopics = false
        configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
        configuration.fetchWaitMax = .milliseconds(5)
        let orchestrator = Orchestrator(configuration: configuration, registry: registry, store: store, logger: logger)
        let participants = try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "demo-participants"),
            producer: broker.producerConfiguration(),
            topics: DevDemo.participantTopics,
            logger: logger,
            script: DevDemo.script
        )
        let printer = try ProgressPrinter(consumer: broker.consumerConfiguration(groupID: "dev-watch-\(UInt32.random(in: 0...UInt32.max))"), topic: topics.progress, logger: logger)
        let client = try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: logger)

        writeLine(DevDemo.banner(bootstrap: broker.bootstrapServers, definitionFile: definitionFile, store: "\(directory)/saga.sqlite"))
        let demo = DevDemoService(client: client, printer: printer, exitAfterDemo: exitAfterDemo)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: orchestrator),
                .init(service: TaskService { try await participants.run() }),
                .init(service: TaskService { try await printer.run() }),
                .init(service: demo, successTerminationBehavior: exitAfterDemo ? .gracefullyShutdownGroup : .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await client.shutdown()
            try? await store.close()
            await broker.shutdown()
            throw error
        }
        await client.shutdown()
        try await store.close()
        await broker.shutdown()
    }
}

/// Runs a closure as a service until graceful shutdown cancels it.
struct TaskService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}

/// Starts the two demo sagas once everything is up, and waits for their end.
struct DevDemoService: Service {
    let client: SagaClient
    let printer: ProgressPrinter
    let exitAfterDemo: Bool

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: .seconds(1))
            let ids = try await client.start([
                StartSagaCommand(sagaType: "user-update", businessKey: "demo-user-1", payload: .object(["userId": .string("u-1"), "email": .string("ada@example.com"), "amount": .int(42)])),
                StartSagaCommand(sagaType: "user-update", businessKey: "demo-user-2", payload: .object(["userId": .string("u-2"), "email": .string("bob@example.com"), "amount": .int(1_000_000), "refuse": .string("payment")])),
            ])
            let deadline = ContinuousClock.now + .seconds(60)
            while printer.finished(ids).count < ids.count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let finished = printer.finished(ids)
            writeLine("\ndemo: \(ids[0].prefix(8)) \(finished[ids[0]]?.rawValue ?? "not finished"), \(ids[1].prefix(8)) \(finished[ids[1]]?.rawValue ?? "not finished")")
            if !exitAfterDemo {
                writeLine("running until Ctrl-C; start more sagas with the command above\n")
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            } else if finished.count < ids.count {
                throw ValidationError("the demo sagas did not finish within 60 s")
            }
        }
    }
}

/// Writes a line to standard output at once (unbuffered, even into a pipe or a file, so a
/// watcher sees events as they happen).
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
