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

            Everything lives in the dev folder (--directory, else SAGA_DEV_DIR, else .saga-dev): the stores, which \
            are kept across runs unless --reset; a lock, so a second saga dev there refuses to \
            start; dev.log with the log lines (the screen keeps the progress lines); and \
            client.yaml, which saga start, watch, status, list and the controls run in the \
            folder's parent (or with SAGA_DEV_DIR=FOLDER) use for the broker, the store and the \
            definitions when given no --config. The broker listens on 127.0.0.1:9092 when that \
            port is free (or --port), so its address stays the same across runs; it starts \
            empty every time, and the orchestrator reads the new topics from their start.
            """
    )

    @Option(help: "The dev folder: the stores, the lock, the log (dev.log) and the client file (client.yaml) that other saga commands run here pick up (default: SAGA_DEV_DIR, else .saga-dev).")
    var directory: String?

    @Option(help: "Directory of saga definitions (default: examples/definitions here, else in the source tree saga was built from).")
    var definitions: String?

    @Option(help: "The broker's port on 127.0.0.1, kept across restarts (default: 9092 when free, else a random one).")
    var port: Int?

    @Flag(help: "Start with empty stores instead of keeping the sagas of earlier runs.")
    var reset = false

    @Flag(help: "Stop after the demo sagas finished instead of running until Ctrl-C.")
    var exitAfterDemo = false

    /// The port tried when none is given.
    static let defaultPort = 9092

    func validate() throws {
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    @Option(help: "The console, the API, /health, /ready and /metrics: HOST:PORT or off (default 127.0.0.1:8080).")
    var http: String = "127.0.0.1:8080"

    @Option(help: "Export the sagas' spans (the orchestrator's and the example participants') over OTLP/HTTP to this base URL, e.g. http://127.0.0.1:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT, else tracing is off).")
    var otelEndpoint: String?

    func run() async throws {
        try await reportingFailures { try await runDev() }
    }

    private func runDev() async throws {
        let listener: SagaHTTPConfiguration.Listener?
        do {
            listener = try SagaHTTPConfiguration.Listener.parse(http, key: SagaHTTPConfiguration.Keys.http)
        } catch let error as SettingError {
            throw ValidationError("--http must be \(error.expected), got '\(error.value)'")
        }
        if let listener, !listener.isLoopback {
            throw ValidationError("--http: saga dev serves its API without tokens, so only on a loopback address, got \(listener)")
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let environment = ProcessInfo.processInfo.environment
        let tracing = TracingBootstrap(setting: otelEndpoint ?? "", environment: environment)
        guard let definitionsDirectory = definitions ?? DevDemo.defaultDefinitions else {
            throw ValidationError("no saga definitions: run saga dev from the repository root or pass --definitions DIR")
        }
        let registry = try DefinitionLoader.registry(from: [definitionsDirectory])
        let plans = registry.versions.compactMap { registry.plan(type: $0.type, version: $0.version) }
        let participantTopics = Set(plans.flatMap { $0.definition.steps.map(\.topic) }).sorted()
        let directory = self.directory ?? environment["SAGA_DEV_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? DevClientFile.defaultDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
        // Held until the process ends: a second saga dev here must not touch these stores.
        let lock = try DevLock(directory: folder)
        defer { lock.release() }

        let logFile = try DevLogHandler.File(path: "\(folder)/dev.log")
        var logger = Logger(label: "saga.dev") { DevLogHandler(label: $0, file: logFile) }
        logger.logLevel = .info
        logger.info("saga dev starting", metadata: ["pid": "\(getpid())", "directory": "\(folder)"])
        // Before the orchestrator and the participants are made: they take the process's tracer.
        let exporter = try tracing.map { try $0.bootstrap(serviceName: "saga-dev", environment: environment, logger: logger) }
        if let exporter { writeLine("tracing: spans are exported to \(exporter.endpoint)\n") }

        let storeFiles = ["saga.sqlite", "participants.sqlite"]
        let hadStore = FileManager.default.fileExists(atPath: "\(folder)/saga.sqlite")
        if reset {
            for file in storeFiles {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: "\(folder)/\(file)\(suffix)") }
            }
        }
        let store = try await SQLiteSagaStore(path: "\(folder)/saga.sqlite", logger: logger)
        let dedupe = try await SQLiteParticipantDedupeStore(path: "\(folder)/participants.sqlite", logger: logger)
        // Both stores run for the whole session and stop after everything that uses them.
        try await store.withRunning { store in
            try await dedupe.withRunning { dedupe in
                let kept = (try? await store.countSagasByStatus().values.reduce(0, +)) ?? 0
                let storeNote = reset
                    ? (hadStore ? "emptied (--reset)" : "new")
                    : (hadStore ? "kept: \(kept) saga\(kept == 1 ? "" : "s") from earlier runs (--reset empties it)" : "new")

                let broker: EmbeddedKafkaBroker
                let forwarder: DevPortForwarder?
                do {
                    broker = try EmbeddedKafkaBroker(logger: logger)
                    let topics = SagaTopics()
                    for topic in topics.all { try await broker.createTopic(topic, partitions: 4) }
                    try await broker.createTopic(topics.definitions, partitions: 1)
                    for topic in participantTopics { try await broker.createTopic(topic, partitions: 2) }
                    forwarder = try Self.forwarder(port: port, broker: broker.bootstrapServers)
                }
                forwarder?.start()
                let bootstrap = forwarder.map { "127.0.0.1:\($0.port)" } ?? broker.bootstrapServers
                let storeURL = "sqlite:\(folder)/saga.sqlite"
                let absoluteDefinitions = URL(fileURLWithPath: definitionsDirectory).standardizedFileURL.path
                try DevClientFile.write(
                    directory: folder, bootstrap: bootstrap, store: storeURL, topicPrefix: SagaTopics.defaultPrefix,
                    definitions: absoluteDefinitions, pid: getpid()
                )
                let files = (try? FileManager.default.contentsOfDirectory(atPath: definitionsDirectory))?.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted() ?? []
                let banner = DevDemo.banner(
                    bootstrap: bootstrap, definitions: files.map { "\(definitionsDirectory)/\($0)" }, store: storeURL, storeNote: storeNote,
                    portNote: forwarder == nil ? (port == nil ? "port \(Self.defaultPort) is in use, so the port differs on each run (--port N fixes one)" : nil) : nil,
                    folder: directory, log: "\(directory)/dev.log"
                )
                // The broker goes last: a Kafka client still alive when it stops keeps reconnecting
                // and logs a refused connection. The clients all live inside `runServices`.
                do {
                    try await runServices(
                        broker: broker, topics: SagaTopics(), registry: registry, store: store, dedupe: dedupe, banner: banner,
                        http: listener, metrics: metrics, exporter: exporter, logger: logger
                    )
                } catch {
                    forwarder?.stop()
                    await broker.shutdown()
                    throw error
                }
                forwarder?.stop()
                await broker.shutdown()
            }
        }
    }

    /// The forwarder from the fixed port to the broker: `--port`, else 9092 when free; `nil`
    /// when 9092 is taken and no port was asked for.
    /// - Throws: ``OperatorFailure`` when the port asked for cannot be had.
    private static func forwarder(port: Int?, broker: String) throws -> DevPortForwarder? {
        guard let target = broker.split(separator: ",").first?.split(separator: ":").last.flatMap({ Int($0) }) else { return nil }
        do {
            return try DevPortForwarder(port: port ?? defaultPort, targetPort: target)
        } catch {
            if port == nil { return nil }
            throw OperatorFailure("\(error): stop what uses it, or give another --port")
        }
    }

    /// Runs the orchestrator, the example participants, the progress printer and the demo until
    /// the demo ends (with `--exit-after-demo`) or a signal; every Kafka client they made is
    /// released when this returns.
    private func runServices(
        broker: EmbeddedKafkaBroker, topics: SagaTopics, registry: SagaRegistry, store: any SagaStore,
        dedupe: any ParticipantDedupeStore, banner: String, http: SagaHTTPConfiguration.Listener?, metrics: PrometheusCollectorRegistry,
        exporter: (any Service)?, logger: Logger
    ) async throws {
        var configuration = OrchestratorConfiguration(bootstrapServers: [broker.bootstrapServers])
        configuration.topics = topics
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
        let partitions = Int(configuration.partitions)
        let demo = DevDemoService(
            client: client, printer: printer, exitAfterDemo: exitAfterDemo, banner: banner,
            ready: { orchestrator.status.ownedPartitions >= partitions }
        )
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
            // The exporter first, so stopped last: it flushes the spans of everything else.
            services: (exporter.map { [.init(service: $0)] } ?? [])
                + [.init(service: orchestrator)]
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
    let address: SagaHTTPConfiguration.Listener

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
    /// What to print once everything is up.
    let banner: String
    /// Whether the orchestrator owns all its partitions.
    let ready: @Sendable () -> Bool

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
        // Nothing is sent (and no command to send more is shown) before the orchestrator owns
        // its partitions: it then has compared the store's offsets with the new, empty broker's
        // topics, which a message produced earlier would hide.
        let readyBy = ContinuousClock.now + .seconds(60)
        while !ready() {
            guard ContinuousClock.now < readyBy else {
                throw OperatorFailure("the orchestrator did not take its partitions within 60 s: see dev.log in the dev folder")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        writeLine(banner)
        let ids = try await client.start(DevDemo.sagas(run: String(UInt32.random(in: 0...UInt32.max), radix: 36)))
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
