import Kafka
import Logging
import SagaCore
import Synchronization

/// Reads the dead-letter topic and keeps every dead letter, once per original message (a crash
/// can publish one again).
final class ChaosDeadLetters: Sendable {
    private struct State {
        var letters: [DeadLetter] = []
        var seen: Set<String> = []
        var unreadable = 0
    }

    private let consumer: Mutex<KafkaConsumer?>
    private let state = Mutex(State())

    init(consumer configuration: KafkaConsumerConfiguration, topic: String, logger: Logger) throws {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try consumer.subscribe(topics: [topic])
        self.consumer = Mutex(consumer)
    }

    /// Whether the group gave this consumer its partitions.
    var isReady: Bool { consumer.withLock { $0.map { !$0.assignment.isEmpty } ?? false } }

    /// The dead letters read so far, each original once.
    var letters: [DeadLetter] { state.withLock { $0.letters } }

    /// Messages on the topic that are not dead letters.
    var unreadable: Int { state.withLock { $0.unreadable } }

    /// Reads until the task is cancelled.
    func run() async throws {
        guard let consumer = consumer.withLock({ $0 }) else { return }
        defer { self.consumer.withLock { $0 = nil } }
        while !Task.isCancelled {
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(50))
            } catch {
                if error.isFatal { throw error }
                continue
            }
            state.withLock { state in
                for message in batch {
                    guard let value = message.value, case .success(let letter) = SagaMessageCodec.decode(DeadLetter.self, from: value) else {
                        state.unreadable += 1
                        continue
                    }
                    // An original read from Kafka is named by its position; one that never was
                    // (partition -1) by its content.
                    let identity = letter.partition >= 0
                        ? "\(letter.topic)/\(letter.partition)/\(letter.offset)"
                        : "\(letter.topic)/-1/\(letter.originalBase64.hashValue)/\(letter.reason)"
                    if state.seen.insert(identity).inserted { state.letters.append(letter) }
                }
            }
        }
        try? await consumer.close()
    }
}
