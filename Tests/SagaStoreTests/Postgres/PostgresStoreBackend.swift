import SagaStore
import SagaTestKit

extension StoreBackend {
    /// PostgreSQL: each case gets its own fresh database on the test run's shared server.
    static let postgres = StoreBackend(name: "postgres") { body in
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await body(StoreHarness { try await PostgresSagaStore.open(testURL: url) })
    }
}

extension PostgresSagaStore {
    /// Opens a store on a test database URL, ignoring the environment's `PG*` variables.
    static func open(testURL url: String) async throws -> PostgresSagaStore {
        try await PostgresSagaStore(
            configuration: PostgresConfiguration(url: url, environment: [:]), logger: Fixture.logger().0
        )
    }
}
