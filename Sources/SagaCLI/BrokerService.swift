import KafkaTestKit
import ServiceLifecycle

/// Keeps an embedded broker up until graceful shutdown, then stops it.
struct BrokerService: Service {
    let broker: EmbeddedKafkaBroker
    /// Tells the world the broker is up (prints the address); runs once the service group runs.
    let announce: @Sendable () throws -> Void

    func run() async throws {
        do {
            try announce()
        } catch {
            await broker.shutdown()
            throw error
        }
        // Returns when shutdown is requested (or throws when cancelled); stop the broker either way.
        try? await gracefulShutdown()
        await broker.shutdown()
    }
}
