import CoreMetrics
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Prometheus
import SagaRuntime
import ServiceLifecycle
import Synchronization

/// The orchestrator's HTTP surface, as a `Service` to run in the same `ServiceGroup` as the
/// ``Orchestrator``: the API on one listener, `/health`, `/ready` and `/metrics` on the same one
/// or on their own.
///
/// Put it after the orchestrator in the group: on graceful shutdown the group stops it first (it
/// stops accepting connections and finishes the requests in flight), then the orchestrator drains.
public final class SagaHTTPServer: Service, Sendable {
    /// Which listener an address belongs to.
    public struct Role: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The API and console listener (`--http`).
        public static let api = Role(name: "api")
        /// The probes' and scrapers' listener (`--ops-http`).
        public static let ops = Role(name: "ops")
    }

    private let configuration: SagaHTTPConfiguration
    private let orchestrator: Orchestrator
    private let registry: PrometheusCollectorRegistry
    private let metricsFactory: any MetricsFactory
    private let logger: Logger
    private let onBound: @Sendable (Role, SagaHTTPConfiguration.Listener) -> Void
    private let bound = Mutex<[Role: SagaHTTPConfiguration.Listener]>([:])
    private let streams = StreamCounter()

    /// - Parameters:
    ///   - configuration: the listeners and limits.
    ///   - orchestrator: the orchestrator it reports on and controls.
    ///   - registry: the Prometheus registry `/metrics` exposes (give the orchestrator's and the
    ///     process's metrics factory this registry too).
    ///   - logger: where it logs.
    ///   - onBound: called once each listener is up, with the address it bound (`saga dev`
    ///     prints the console's).
    public init(
        configuration: SagaHTTPConfiguration, orchestrator: Orchestrator, registry: PrometheusCollectorRegistry, logger: Logger,
        onBound: @escaping @Sendable (Role, SagaHTTPConfiguration.Listener) -> Void = { _, _ in }
    ) {
        self.onBound = onBound
        self.configuration = configuration
        self.orchestrator = orchestrator
        self.registry = registry
        self.metricsFactory = PrometheusMetricsFactory(registry: registry)
        self.logger = logger
    }

    /// The addresses actually bound, by role, once each listener is up (a port 0 shows the port
    /// the system picked). The ops routes are on the API listener when no ops listener is set.
    public var boundAddresses: [Role: SagaHTTPConfiguration.Listener] { bound.withLock { $0 } }

    /// The `/v1/events` and `/v1/ws` streams open now.
    public var openEventStreams: Int { streams.open }

    /// Serves until graceful shutdown or cancellation.
    /// - Throws: when a listener cannot bind.
    public func run() async throws {
        try configuration.validate()
        if let api = configuration.api {
            if configuration.tokens.isEmpty {
                logger.notice("the API needs no token: it listens on loopback only", metadata: ["address": "\(api)"])
            } else {
                logger.notice("the API needs a bearer token", metadata: [
                    "tokens": "\(configuration.tokens.map { "\($0.name) (\($0.role))" }.joined(separator: ", "))",
                ])
            }
        }
        let ops = OpsRoutes(orchestrator: orchestrator, registry: registry, configuration: configuration)
        var applications: [(Role, SagaHTTPConfiguration.Listener, Router<SagaRequestContext>)] = []
        var publisher: CommandPublisher?
        if let api = configuration.api {
            let router = makeRouter()
            if configuration.ops == nil { ops.add(to: router) }
            let commands = try CommandPublisher(
                configuration: orchestrator.commandProducerConfiguration(clientID: "saga-http"),
                topic: orchestrator.settings.topics.commands, logger: logger
            )
            publisher = commands
            addAPI(to: router, publisher: commands)
            applications.append((.api, api, router))
        }
        if let opsListener = configuration.ops {
            let router = makeRouter()
            ops.add(to: router)
            applications.append((.ops, opsListener, router))
        }
        guard !applications.isEmpty else {
            logger.info("HTTP surface off: no listener configured")
            return
        }
        do {
            try await serve(applications)
        } catch {
            await publisher?.shutdown()
            throw error
        }
        // The listeners are closed and their requests answered: flush what they published.
        await publisher?.shutdown()
    }

    /// The router the API listener consults for WebSocket upgrades (`/v1/ws`), with the same
    /// middleware: a refused upgrade (no token, a wrong filter) is answered by the plain router.
    private func makeWebSocketRouter() -> Router<SagaRequestContext> {
        let router = makeRouter()
        WebSocketRoutes(orchestrator: orchestrator, configuration: configuration, streams: streams, logger: logger).addUpgrade(to: router)
        return router
    }

    private func serve(_ applications: [(Role, SagaHTTPConfiguration.Listener, Router<SagaRequestContext>)]) async throws {
        let configuration = self.configuration
        try await withThrowingDiscardingTaskGroup { group in
            for (role, listener, router) in applications {
                let application = Application(
                    router: router,
                    server: role == .api ? .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter()) : .http1(),
                    configuration: ApplicationConfiguration(
                        address: .hostname(listener.host, port: listener.port),
                        serverName: nil
                    ),
                    onServerRunning: { [self] channel in
                        let port = channel.localAddress?.port ?? listener.port
                        let address = SagaHTTPConfiguration.Listener(host: listener.host, port: port)
                        bound.withLock { $0[role] = address }
                        onBound(role, address)
                        logger.notice("HTTP listener bound", metadata: [
                            "role": "\(role)", "address": "\(address)",
                            "serves": "\(Self.serves(role, separateOps: configuration.ops != nil))",
                        ])
                    },
                    logger: logger
                )
                group.addTask { [self] in
                    do {
                        try await application.run()
                    } catch where boundAddresses[role] == nil {
                        throw SagaHTTPError.listen("cannot listen on \(listener) (the \(role) listener): \(error)")
                    }
                }
            }
        }
    }

    private func addAPI(to router: Router<SagaRequestContext>, publisher: CommandPublisher) {
        let sagas = SagaRoutes(orchestrator: orchestrator, publisher: publisher, configuration: configuration)
        sagas.add(to: router)
        ControlRoutes(sagas: sagas, publisher: publisher, configuration: configuration, streams: streams, logger: logger).add(to: router)
        DefinitionRoutes(orchestrator: orchestrator).add(to: router)
        StatsRoutes(orchestrator: orchestrator).add(to: router)
        ClusterRoutes(
            orchestrator: orchestrator, participants: ParticipantLagReader(orchestrator: orchestrator, configuration: configuration, logger: logger)
        ).add(to: router)
        EventRoutes(orchestrator: orchestrator, configuration: configuration, streams: streams, logger: logger).add(to: router)
        WebSocketRoutes(orchestrator: orchestrator, configuration: configuration, streams: streams, logger: logger).addPlain(to: router)
        let assets = ConsoleAssets.load()
        if assets == nil { logger.warning("the console's files are not installed: / answers 503 (the API works)") }
        ConsoleRoutes(assets: assets).add(to: router)
    }

    private func makeRouter() -> Router<SagaRequestContext> {
        let router = Router(context: SagaRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: metricsFactory))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BearerAuthMiddleware(tokens: configuration.tokens))
        return router
    }

    private static func serves(_ role: Role, separateOps: Bool) -> String {
        switch role {
        case .ops: "/health /ready /metrics"
        default: separateOps ? "/v1 and the console" : "/v1, the console, /health, /ready, /metrics"
        }
    }
}
