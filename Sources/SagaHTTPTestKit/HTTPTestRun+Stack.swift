import SagaCore
import SagaHTTP
import SagaRuntime
import SagaStore
import SagaTestKit
import ServiceLifecycle

/// What a running stack gives a test body.
public struct RunningStack: Sendable {
    /// The orchestrator.
    public let orchestrator: Orchestrator
    /// Its HTTP surface.
    public let server: SagaHTTPServer
    /// Scripted participants.
    public let participants: ScriptedParticipants
    /// A progress collector.
    public let progress: ProgressCollector
    /// A client of the API listener.
    public let http: HTTPTestClient
    /// A client of the ops listener (the API listener when there is none of its own).
    public let ops: HTTPTestClient
    /// Starts the group's graceful shutdown (as SIGTERM does).
    public let shutdown: @Sendable () async -> Void
}

extension HTTPTestRun {
    /// Runs the orchestrator and its HTTP server in one `ServiceGroup` (as `saga orchestrator`
    /// does), scripted participants and a progress collector beside them, until `body` returns;
    /// then shuts the group down gracefully and checks it stopped.
    /// - Parameters:
    ///   - configure: Adjusts the HTTP configuration.
    ///   - configureOrchestrator: Adjusts the orchestrator's configuration.
    ///   - scriptedTopics: The topics the scripted participants answer. Default: both.
    ///   - script: Their answers. Default: success.
    /// - Throws: ``WaitTimedOut`` when the stack is not ready within 60 s or does not stop within
    ///   60 s; what `body` throws.
    public func withStack<T: Sendable>(
        configure: (inout SagaHTTPConfiguration) -> Void = { _ in },
        orchestrator configureOrchestrator: (inout OrchestratorConfiguration) -> Void = { _ in },
        scriptedTopics: [String]? = nil,
        script: @escaping @Sendable (ParticipantCommand) -> ParticipantBehavior = { _ in .succeed() },
        _ body: @Sendable (RunningStack) async throws -> T
    ) async throws -> T {
        let store = try await openStore()
        let orchestrator = try orchestrator(store, configure: configureOrchestrator)
        let server = server(orchestrator, configure: configure)
        let participants = try participants(topics: scriptedTopics, script)
        let progress = try progress()
        // The store first in the group, so the last stopped (as in `saga orchestrator`).
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: store), .init(service: orchestrator), .init(service: server)], logger: logger
        ))
        return try await Self.run(group, orchestrator, server, participants, progress, body)
    }

    private static func run<T: Sendable>(
        _ group: ServiceGroup, _ orchestrator: Orchestrator, _ server: SagaHTTPServer,
        _ participants: ScriptedParticipants, _ progress: ProgressCollector,
        _ body: @Sendable (RunningStack) async throws -> T
    ) async throws -> T {
        let stopped = Gate()
        return try await withRunningTasks(
            [
                {
                    defer { stopped.open() }
                    try await group.run()
                },
                { try await participants.run() },
                { try await progress.run() },
            ],
            ready: {
                let ready = ContinuousClock.now + .seconds(60)
                guard await orchestrator.waitForStatus(within: .seconds(60), until: { $0.joinedGroup && $0.ownedPartitions > 0 }) != nil else {
                    throw WaitTimedOut("the orchestrator to join its group and own partitions", bound: .seconds(60), lastObserved: "\(orchestrator.status)")
                }
                try await participants.waitUntilReady(within: max(ready - .now, .zero))
                try await progress.waitUntilReady(within: max(ready - .now, .zero))
                // The listener tells no one it is bound: asked until it is.
                try await poll("the API listener to be bound", within: max(ready - .now, .seconds(1))) { server.boundAddresses[.api] != nil }
            },
            // Graceful shutdown as SIGTERM does it: the HTTP server first, then the orchestrator.
            stop: {
                await group.triggerGracefulShutdown()
                try await stopped.wait(for: "the service group to stop gracefully", within: .seconds(60))
            },
            onFailure: { await group.triggerGracefulShutdown() }
        ) {
            guard let api = server.boundAddresses[.api] else { throw HTTPTestFailure("no API listener address") }
            let opsAddress = server.boundAddresses[.ops] ?? api
            return try await body(RunningStack(
                orchestrator: orchestrator, server: server, participants: participants, progress: progress,
                http: HTTPTestClient(base: "http://127.0.0.1:\(api.port)"), ops: HTTPTestClient(base: "http://127.0.0.1:\(opsAddress.port)"),
                shutdown: { await group.triggerGracefulShutdown() }
            ))
        }
    }
}
