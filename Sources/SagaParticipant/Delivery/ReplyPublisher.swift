import Kafka
import Logging
import Synchronization

/// Publishes replies and dead letters and waits for the broker's acknowledgement. Replaces its
/// producer after a fatal error (librdkafka 2.0.2's idempotent producer can raise one after a
/// message timeout): the failed send is handled again on the new producer.
final class ReplyPublisher: Sendable {
    private let configuration: KafkaProducerConfiguration
    private let producer: Mutex<KafkaProducer>
    private let logger: Logger

    init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.producer = Mutex(try KafkaProducer(configuration: configuration, logger: logger))
        self.logger = logger
    }

    /// Sends `message` and returns once the broker acknowledged it.
    /// - Throws: ``KafkaError`` when it was not delivered.
    func send(_ message: KafkaProducerMessage) async throws(KafkaError) {
        let producer = self.producer.withLock { $0 }
        do {
            _ = try await producer.send(message)
        } catch {
            if producer.fatalError != nil { await replace(producer) }
            throw error
        }
    }

    /// Flushes and stops the producer.
    func shutdown(flushTimeout: Duration) async {
        await producer.withLock { $0 }.shutdown(flushTimeout: flushTimeout)
    }

    private func replace(_ failed: KafkaProducer) async {
        let fresh: KafkaProducer
        do {
            fresh = try KafkaProducer(configuration: configuration, logger: logger)
        } catch {
            logger.error("cannot recreate the reply producer", metadata: ["error": "\(error)"])
            return
        }
        let replaced = producer.withLock { current in
            guard current === failed else { return false }
            current = fresh
            return true
        }
        if replaced {
            logger.warning("the reply producer raised a fatal error and was recreated", metadata: ["error": "\(failed.fatalError.map { "\($0)" } ?? "")"])
            await failed.shutdown(flushTimeout: .zero)
        } else {
            await fresh.shutdown(flushTimeout: .zero)
        }
    }
}
