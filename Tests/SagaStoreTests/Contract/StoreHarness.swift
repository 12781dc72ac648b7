import Testing
import SagaStore

/// One empty database for one contract case; ``open()`` opens another store instance on it each
/// time, the way a restarted or a second orchestrator instance would.
struct StoreHarness: Sendable {
    let open: @Sendable () async throws -> any SagaStore

    /// Opens a store and runs it while `body` runs; it stops (and closes) even when `body` throws.
    func withStore<T>(_ body: (any SagaStore) async throws -> T) async throws -> T {
        try await open().withRunning { try await body($0) }
    }
}

/// A kind of store under contract: makes a fresh, empty database for each case and cleans up after.
///
/// A new backend (PostgreSQL) adds one `StoreBackend` and one parameterised test; the cases stay
/// unchanged.
struct StoreBackend: Sendable {
    let name: String
    let withHarness: @Sendable (_ body: @Sendable (StoreHarness) async throws -> Void) async throws -> Void
}

/// One case of the contract, run against any backend.
struct ContractCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (StoreHarness) async throws -> Void

    var testDescription: String { name }

    func run(on backend: StoreBackend) async throws {
        try await backend.withHarness(body)
    }
}

