import Foundation
import Kafka
import Logging
import SagaCore
import Synchronization

/// Prints progress events as they arrive, one line each, and remembers how each saga ended.
final class ProgressPrinter: Sendable {
    private let consumer: KafkaConsumer
    private let ended = Mutex<[String: SagaStatus]>([:])
    private let colours = isatty(STDOUT_FILENO) == 1

    init(consumer: KafkaConsumerConfiguration, topic: String, logger: Logger) throws {
        self.consumer = try KafkaConsumer(configuration: consumer, logger: logger)
        try self.consumer.subscribe(topics: [topic])
    }

    func finished(_ ids: [String]) -> [String: SagaStatus] {
        ended.withLock { ended in ended.filter { ids.contains($0.key) } }
    }

    func run() async throws {
        var seen = Set<String>()
        while !Task.isCancelled {
            let batch = try await consumer.nextBatch(maxMessages: 500, timeout: .milliseconds(50))
            for message in batch {
                guard let value = message.value, case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value) else { continue }
                // The relay publishes at least once: print each event once.
                guard seen.insert("\(event.sagaId)#\(event.sequence)").inserted else { continue }
                writeLine(line(event))
                if event.state.isSettled { ended.withLock { $0[event.sagaId] = event.state } }
            }
        }
        try? await consumer.close()
    }

    private func line(_ event: ProgressEvent) -> String {
        let step = event.step.map { " \($0)" } ?? ""
        let phase = event.phase.map { " \($0.rawValue)" } ?? ""
        let attempt = event.attempt.map { $0 > 1 ? " attempt \($0)" : "" } ?? ""
        let reason = event.reason.map { " — \($0)" } ?? ""
        let text = "\(event.sagaId.prefix(8)) \(event.sagaType) #\(event.sequence) \(event.event.rawValue)\(step)\(phase)\(attempt) [\(event.state.rawValue)]\(reason)"
        guard colours else { return text }
        let colour: String
        switch event.event {
        case .sagaCompleted, .stepSucceeded: colour = "\u{1B}[32m"
        case .sagaCompensated, .compensationStarted, .stepCompensated, .stepRejected, .stepFailed, .stepTimedOut: colour = "\u{1B}[33m"
        case .sagaFailed, .compensationRefused: colour = "\u{1B}[31m"
        default: colour = "\u{1B}[2m"
        }
        return colour + text + "\u{1B}[0m"
    }
}
