import DedicatedThreads

extension DedicatedThread {
    /// Runs `body` on the thread (a client's blocking librdkafka call) and returns its result.
    /// - Throws: What `body` throws, or ``KafkaError/shutDown(_:file:line:)`` once the client's
    ///   thread is finishing.
    package func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        try await run(refused: KafkaError.shutDown(), body)
    }
}
