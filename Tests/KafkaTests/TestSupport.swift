import InMemoryLogging
import Kafka
import KafkaTestKit
import Logging
import Synchronization
import Testing

/// A name no other test uses, so tests can share nothing and run in parallel.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}

/// A logger whose entries are kept in memory, not printed.
func capturedLogger(level: Logger.Level = .info) -> (Logger, InMemoryLogHandler) {
    let handler = InMemoryLogHandler()
    var logger = Logger(label: "kafka-tests") { _ in handler }
    logger.logLevel = level
    return (logger, handler)
}

/// Runs `body` with a fresh broker of its own, shut down afterwards.
func withBroker<T>(
    brokers: Int = 1, _ body: (EmbeddedKafkaBroker, Logger) async throws -> T
) async throws -> T {
    let (logger, _) = capturedLogger()
    let broker = try EmbeddedKafkaBroker(brokerCount: brokers, logger: logger)
    do {
        let result = try await body(broker, logger)
        await broker.shutdown()
        return result
    } catch {
        await broker.shutdown()
        throw error
    }
}

/// Polls until `count` messages arrived or `within` passed; returns what arrived.
func consume(
    _ consumer: KafkaConsumer, count: Int, within: Duration = .seconds(15)
) async throws -> [KafkaConsumerMessage] {
    let deadline = ContinuousClock.now + within
    var messages: [KafkaConsumerMessage] = []
    while messages.count < count, ContinuousClock.now < deadline {
        messages += try await consumer.nextBatch(maxMessages: count - messages.count, timeout: .milliseconds(100))
    }
    return messages
}

/// Polls (serving rebalances) until `condition` holds or `within` passed; returns the messages
/// seen meanwhile.
@discardableResult
func poll(
    _ consumer: KafkaConsumer, until condition: @Sendable () -> Bool, within: Duration = .seconds(20)
) async throws -> [KafkaConsumerMessage] {
    let deadline = ContinuousClock.now + within
    var messages: [KafkaConsumerMessage] = []
    while !condition(), ContinuousClock.now < deadline {
        messages += try await consumer.nextBatch(maxMessages: 100, timeout: .milliseconds(50))
    }
    return messages
}

/// A flag tasks can share.
final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// A value tasks and callbacks can share.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value { state.withLock { $0 } }
    func update<R: Sendable>(_ body: @Sendable (inout Value) -> R) -> R { state.withLock { body(&$0) } }
}
