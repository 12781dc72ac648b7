import ServiceLifecycle

extension SagaStore {
    /// Runs the store for the length of `body`: starts its `run()` in a child task, waits until
    /// it accepts calls, runs `body`, then ends `run()` (which releases the store's resources).
    /// For tests, commands and tools that use a store without a `ServiceGroup`.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` or the store's `run()` throws.
    @discardableResult
    public func withRunning<T>(_ body: (Self) async throws -> T) async throws -> T {
        try await runStoreService(self, waitUntilRunning: { try await self.waitUntilRunning() }) { try await body(self) }
    }
}

extension SagaStore {
    /// Returns once the store runs, waiting at most `timeout`: how a service that starts beside
    /// its store in one `ServiceGroup` waits for it.
    /// - Throws: ``SagaStoreError/Code/notRunning`` when it does not run within `timeout`;
    ///   ``SagaStoreError/Code/closed`` when its run ended; `CancellationError`.
    public func waitUntilRunning(within timeout: Duration) async throws {
        try await waitForStoreRun(within: timeout) { try await self.waitUntilRunning() }
    }
}

extension ParticipantDedupeStore {
    /// Returns once the store runs, waiting at most `timeout`, like
    /// ``SagaStore/waitUntilRunning(within:)``.
    public func waitUntilRunning(within timeout: Duration) async throws {
        try await waitForStoreRun(within: timeout) { try await self.waitUntilRunning() }
    }
}

extension ParticipantDedupeStore {
    /// Runs the store for the length of `body`, like ``SagaStore/withRunning(_:)``.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` or the store's `run()` throws.
    @discardableResult
    public func withRunning<T>(_ body: (Self) async throws -> T) async throws -> T {
        try await runStoreService(self, waitUntilRunning: { try await self.waitUntilRunning() }) { try await body(self) }
    }
}

/// Runs `service` in a child task while `body` runs; ends it by cancellation afterwards.
private func runStoreService<T>(
    _ service: some Service,
    waitUntilRunning: () async throws -> Void,
    _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        let result: Result<T, any Error>
        do {
            try await waitUntilRunning()
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        group.cancelAll()
        do {
            try await group.waitForAll()
        } catch {
            // The body's error says more than the store's; the store's is thrown when the body succeeded.
            if case .success = result { throw error }
        }
        return try result.get()
    }
}

private func waitForStoreRun(within timeout: Duration, _ wait: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await wait()
            return true
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return false
        }
        defer { group.cancelAll() }
        guard try await group.next() == true else {
            throw SagaStoreError(
                .notRunning,
                "the store did not start running within \(timeout): run it first in the same ServiceGroup (or use withRunning)"
            )
        }
    }
}
