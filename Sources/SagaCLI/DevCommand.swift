import ArgumentParser
import CoreMetrics
import Foundation
import Kafka
import KafkaTestKit
import Logging
import Prometheus
import SagaClient
import SagaCore
import SagaExamples
import SagaHTTP
import SagaParticipant
import SagaRuntime
import SagaStore
import ServiceLifecycle

/// `saga dev`: the whole system on one machine — embedded broker, orchestrator on a SQLite file,
/// the example participants — with two demo sagas and their progress printed live.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded broker, the orchestrator and the example participants, with two demo sagas.",
        discussion: """
            Starts librdkafka's mock cluster on loopback, an orchestrator on a SQLite file, and the \
            example participants built on the participant SDK: the user and payment services of the \
            'user-update' saga and a controllable participant. It starts one saga that completes and \
            one that the payment service refuses, so it is compensated, prints every progress event, \
            and keeps running until Ctrl-C so more sagas can be started from another terminal (the \
            command to do so is printed).
            """
    )

    @Option(help: "Directory for the SQLite stores (orchestrator and participants).")
    var directory: String = ".saga-dev"

    @Option(help: "Directory of saga definitions (default: examples/definitions here, else in the source tree saga was built from).")
    var definitions: String?

    @Option(help: "Stop after the demo sagas finished instead of running until Ctrl-C.")
    var exitAfterDemo: Bool = false

    @Option(help: "The console, the API, /health, /ready and /metrics: HOST:PORT or off (default 127.0.0.1:8080).")
    var http: String = "127.0.0.1:8080"

    func run() async throws {
        var logger = Logger(label: "saga.dev") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let listener = try ListenAddress.parse(http, source: "--http")
        if let listener, !listener.isLoopback {
            throw ValidationError("--http: saga dev serves its API without tokens, so only on a loopback address, got \(listener)")
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        guard let definitionsDirectory = definitions ?? DevDemo.defaultDefinitions else {
            throw ValidationError("no saga definitions: run saga dev from the repository root or pass --definitions DIR")
        }
        let registry = try DefinitionLoader.registry(from: [definitionsDirectory])
        let plans = registry.versions.compactMap { registry.plan(type: $0.type, version: $0.version) }
        let participantTopics = Set(plans.flatMap { $0.definition.steps.map(\.topic) }).sorted()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        let broker = try EmbeddedKafkaBroker(logger: logger)
        let topics = SagaTopics()
        for topic in topics.all { try await broker.createTopic(topic, partitions: 4) }
        for topic in participantTopics { try await broker.createTopic(topic, partitions: 2) }

        // The embedded broker starts empty every time, so the stores must too: offsets and
        // replies recorded against an earlier broker's topics mean nothing to this one.
        for file in ["saga.sqlite", "participants.sqlite"] {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)\(suffix)") }
        }
        let store = try await SQLiteSagaStore(path: "\(directory)/saga.sqlite", logger: logger)
        let dedupe = try await SQLiteParticipantDedupeStore(path: "\(directory)/participants.sqlite", logger: logger)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: definitionsDirectory))?.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted() ?? []
        writeLine(DevDemo.banner(
            bootstrap: broker.bootstrapServers, definitions: files.map { "\(definitionsDirectory)/\($0)" }, store: "\(directory)/saga.sqlite"
        ))
        // The broker goes last: a Kafka client still alive when it stops keeps reconnecting
        // and logs a refused connection. The clients all live inside `runServices`.
        do {
            try await runServices(
                broker: broker, topics: topics, registry: registry, store: store, dedupe: dedupe,
                http: listener, metrics: metrics, logger: logger
            )
        } catch {
            try? await dedupe.close()
            try? await store.close()
            await broker.shutdown()
            throw error
        }
        try await dedupe.close()
        try await store.close()
        await broker.shutdown()
    }

    /// Runs the orchestrator, the example participants, the progress printer and the demo until
    /// the demo ends (with `--exit-after-demo`) or a signal; every Kafka client they made is
    /// released when this returns.
    private func runServices(
        broker: EmbeddedKafkaBroker, topics: SagaTopics, registry: SagaRegistry, store: any SagaStore,
        dedupe: any ParticipantDedupeStore, http: ListenAddress?, metrics: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        configuration.partitions = 4
        configuration.createTopics = false
        configuration.kafkaProperties = EmbeddedKafkaBroker.recommendedClientProperties
        configuration.fetchWaitMax = .milliseconds(5)
        let orchestrator = Orchestrator(configuration: configuration, registry: registry, store: store, logger: logger)
        let participants = ExampleParticipants().services(
            configuration: { name, topic in
                var producer = broker.producerConfiguration()
                producer.linger = .milliseconds(1)
                var participant = ParticipantConfiguration(
                    name: name, commandTopics: [topic], consumer: broker.consumerConfiguration(groupID: name), producer: producer
                )
                participant.deadLetterTopic = topics.deadLetters
                return participant
            },
            dedupe: dedupe,
            logger: logger
        )
        let printer = try ProgressPrinter(consumer: broker.consumerConfiguration(groupID: "dev-watch-\(UInt32.random(in: 0...UInt32.max))"), topic: topics.progress, logger: logger)
        let client = try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: logger)
        let demo = DevDemoService(client: client, printer: printer, exitAfterDemo: exitAfterDemo)
        var console: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let http {
            let server = SagaHTTPServer(
                configuration: SagaHTTPConfiguration(api: .init(host: http.host, port: http.port)),
                orchestrator: orchestrator, registry: metrics, logger: logger,
                onBound: { _, address in
                    writeLine("console: http://\(address)/   (API under /v1, /health, /ready, /metrics)\n")
                }
            )
            // A busy port must not stop the demo: say so and run without the console.
            console = [.init(service: ConsoleService(server: server, address: http))]
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: orchestrator)]
                + participants.map { .init(service: $0) }
                + console
                + [
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
            throw error
        }
        await client.shutdown()
    }
}

/// Runs a closure as a service until graceful shutdown cancels it.
struct TaskService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}

/// The HTTP surface of `saga dev`, stopped gracefully with the rest; a port that cannot be bound
/// is reported and the demo runs on without the console.
struct ConsoleService: Service {
    let server: SagaHTTPServer
    let address: ListenAddress

    func run() async throws {
        do {
            try await server.run()
        } catch {
            writeLine("console: not started (\(address) could not be bound: \(error)); run with --http 127.0.0.1:0 for a free port\n")
            try? await gracefulShutdown()
        }
    }
}

/// Starts the two demo sagas once everything is up, and waits for their end.
struct DevDemoService: Service {
    let client: SagaClient
    let printer: ProgressPrinter
    let exitAfterDemo: Bool

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await demo() }
        } catch is CancellationError {
            // Ctrl-C before the demo ended: a normal way to stop.
            return
        }
        if !exitAfterDemo {
            writeLine("running until Ctrl-C; start more sagas with the command above\n")
            try? await gracefulShutdown()
        }
    }

    /// Starts the demo sagas and prints how they ended.
    private func demo() async throws {
        try await Task.sleep(for: .seconds(1))
        let ids = try await client.start(DevDemo.sagas)
        let deadline = ContinuousClock.now + .seconds(60)
        while printer.finished(ids).count < ids.count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let finished = printer.finished(ids)
        writeLine("\ndemo: \(ids[0].prefix(8)) \(finished[ids[0]]?.rawValue ?? "not finished"), \(ids[1].prefix(8)) \(finished[ids[1]]?.rawValue ?? "not finished")")
        if exitAfterDemo && finished.count < ids.count {
            throw ValidationError("the demo sagas did not finish within 60 s")
        }
    }
}

/// Writes a line to standard output at once (unbuffered, even into a pipe or a file, so a
/// watcher sees events as they happen).
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
