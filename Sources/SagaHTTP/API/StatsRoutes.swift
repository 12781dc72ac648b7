import Hummingbird
import SagaRuntime

/// `GET /v1/stats`: sagas in the store by status, and this instance's share of the work.
struct StatsRoutes: Sendable {
    let orchestrator: Orchestrator

    struct Stats: Encodable {
        struct Instance: Encodable {
            var ownedPartitions: Int
            var activeSagas: Int
            var outboxBacklog: Int
            var joinedGroup: Bool
            var shuttingDown: Bool
        }

        /// Sagas in the store per status (every instance's, when the store is shared).
        var sagasByStatus: [String: Int]
        var instance: Instance
    }

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/stats") { _, _ in
            let status = orchestrator.status
            return try jsonResponse(Stats(
                sagasByStatus: try await orchestrator.countSagasByStatus(),
                instance: .init(
                    ownedPartitions: status.ownedPartitions, activeSagas: status.activeSagas, outboxBacklog: status.outboxBacklog,
                    joinedGroup: status.joinedGroup, shuttingDown: status.shuttingDown
                )
            ))
        }
    }
}
