import ArgumentParser
import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaCore

/// `saga-bench chaos-participant`: the participant process of the participant-kill scenario. It
/// answers the run's commands as ``ChaosScript`` says, records everything in a ``ChaosLedger``
/// and, after applying an effect, SIGKILLs itself one time in `--die-one-in` before replying.
struct ChaosParticipantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos-participant",
        abstract: "A participant for `saga-bench chaos` that dies between applying an effect and replying (started by it)."
    )

    @Option(help: "The embedded broker's bootstrap servers.")
    var bootstrapServers: String

    @Option(help: "A command topic to answer; repeatable.")
    var topic: [String]

    @Option(help: "The SQLite file of the ledger (commands received, answers, effects).")
    var ledger: String

    @Option(help: "After applying an effect, SIGKILL this process before replying one time in this many.")
    var dieOneIn: Int = 10

    func validate() throws {
        guard !topic.isEmpty else { throw ValidationError("give at least one --topic") }
        guard dieOneIn > 0 else { throw ValidationError("--die-one-in must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "saga.chaos-participant") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        let ledger = try ChaosLedger(path: ledger)
        let consumer = try KafkaConsumer(
            configuration: EmbeddedKafkaBroker.consumerConfiguration(bootstrapServers: bootstrapServers, groupID: "chaos-participants"), logger: logger
        )
        // Manual assignment: a restarted process reads at once, with no group to rejoin, from
        // the last command its ledger recorded on each partition.
        let resume = try ledger.resumeOffsets()
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for name in topic {
            for partition in try await consumer.partitions(of: name, timeout: .seconds(10)) {
                assignment[KafkaTopicPartition(topic: name, partition: partition.partition)] =
                    resume[name]?[partition.partition].map { KafkaOffset($0) } ?? .beginning
            }
        }
        try await consumer.assign(assignment)
        let producer = try KafkaProducer(configuration: EmbeddedKafkaBroker.producerConfiguration(bootstrapServers: bootstrapServers), logger: logger)
        while true {
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.nextBatch(maxMessages: 100, timeout: .milliseconds(50))
            } catch {
                if error.isFatal { throw error }
                continue
            }
            for message in batch {
                guard let value = message.value, case .success(let command) = SagaMessageCodec.decode(ParticipantCommand.self, from: value) else { continue }
                let answer = try ledger.answer(command, raw: value, topic: message.topic, partition: message.partition, offset: message.offset)
                if answer.applied && Int.random(in: 0..<dieOneIn) == 0 {
                    // Between the effect (committed) and the reply: the command comes again,
                    // after the orchestrator's timeout, and must find the stored answer.
                    kill(getpid(), SIGKILL)
                }
                let reply = ParticipantReply(to: command, outcome: answer.outcome, reason: answer.reason)
                _ = try await producer.send(KafkaProducerMessage(
                    topic: command.replyTo.topic, partition: command.replyTo.partition, key: Array(command.sagaId.utf8),
                    value: try SagaMessageCodec.encode(reply),
                    headers: [KafkaHeader(name: SagaHeaders.messageType, value: ParticipantReply.messageType)]
                ))
            }
        }
    }
}
