import Kafka
import SagaCore
import Testing

@testable import SagaParticipant

@Suite("Command scheduler")
struct CommandSchedulerTests {
    static let partition = KafkaTopicPartition(topic: "participant.commands", partition: 0)

    /// A consumed command of `saga` at `offset`.
    static func work(_ saga: String, _ offset: Int64, partition: KafkaTopicPartition = partition) -> CommandWork {
        let command = ParticipantCommand(
            sagaId: saga, sagaType: "t", sagaVersion: 1, step: "s", phase: .pending, attempt: 1,
            replyTo: .init(topic: "saga.replies", partition: 0), payload: .emptyObject, deadline: SagaTime(milliseconds: 0)
        )
        return CommandWork(KafkaConsumerMessage(
            topic: partition.topic, partition: partition.partition, offset: offset, key: nil, value: try! SagaMessageCodec.encode(command)
        ))
    }

    @Test("starts at most maxRunning commands, one per saga, in the order received")
    func concurrencyBound() {
        var scheduler = CommandScheduler(maxRunning: 2)
        scheduler.assigned([Self.partition])
        let started = scheduler.receive([Self.work("a", 0), Self.work("a", 1), Self.work("b", 2), Self.work("c", 3)])
        #expect(started.map(\.message.offset) == [0, 2])
        #expect(scheduler.running == 2 && scheduler.buffered == 4)
        // a's second command waits for its first, even though c arrived later.
        let afterA = scheduler.finish(started[0], answered: true)
        #expect(afterA?.message.offset == 1)
        let afterB = scheduler.finish(started[1], answered: true)
        #expect(afterB?.message.offset == 3)
    }

    @Test("commits a partition only up to its oldest unanswered command")
    func contiguousCommits() throws {
        var scheduler = CommandScheduler(maxRunning: 4)
        scheduler.assigned([Self.partition])
        let started = scheduler.receive([Self.work("a", 10), Self.work("b", 11), Self.work("c", 12)])
        #expect(scheduler.dueCommits.isEmpty)
        _ = scheduler.finish(started[1], answered: true)
        _ = scheduler.finish(started[2], answered: true)
        #expect(scheduler.dueCommits.isEmpty, "offset 10 is still unanswered")
        _ = scheduler.finish(started[0], answered: true)
        let due = scheduler.dueCommits
        #expect(due == [Self.partition: KafkaOffset(13)])
        scheduler.didCommit(due)
        #expect(scheduler.dueCommits.isEmpty)
    }

    @Test("a command whose answer was not delivered holds its partition's commits back")
    func unansweredHoldsCommits() {
        var scheduler = CommandScheduler(maxRunning: 4)
        scheduler.assigned([Self.partition])
        let started = scheduler.receive([Self.work("a", 0), Self.work("b", 1)])
        _ = scheduler.finish(started[0], answered: false)
        _ = scheduler.finish(started[1], answered: true)
        #expect(scheduler.dueCommits.isEmpty)
        #expect(scheduler.running == 0)
    }

    @Test("a revoked partition drops its waiting commands and ignores the end of running ones")
    func revocation() {
        let other = KafkaTopicPartition(topic: "participant.commands", partition: 1)
        var scheduler = CommandScheduler(maxRunning: 1)
        scheduler.assigned([Self.partition, other])
        let started = scheduler.receive([Self.work("a", 0), Self.work("b", 1), Self.work("c", 5, partition: other)])
        #expect(started.count == 1)
        scheduler.revoked([Self.partition])
        #expect(!scheduler.isCurrent(started[0]))
        // The only command left to start is the one of the partition still assigned.
        let next = scheduler.finish(started[0], answered: true)
        #expect(next?.message.offset == 5)
        #expect(scheduler.dueCommits.isEmpty)
        // Reassigned, the partition starts a new generation: old work does not count.
        scheduler.assigned([Self.partition])
        #expect(!scheduler.isCurrent(started[0]))
        // Commands of a partition not assigned are ignored.
        var fresh = CommandScheduler(maxRunning: 1)
        #expect(fresh.receive([Self.work("a", 0)]).isEmpty && fresh.buffered == 0)
    }

    @Test("once stopped, nothing starts and waiting commands are dropped uncommitted")
    func stop() {
        var scheduler = CommandScheduler(maxRunning: 1)
        scheduler.assigned([Self.partition])
        let started = scheduler.receive([Self.work("a", 0), Self.work("b", 1)])
        scheduler.stop()
        #expect(scheduler.finish(started[0], answered: true) == nil)
        #expect(scheduler.dueCommits == [Self.partition: KafkaOffset(1)])
        #expect(scheduler.receive([Self.work("c", 2)]).isEmpty)
    }

    @Test("a redelivered offset is ignored")
    func redelivery() {
        var scheduler = CommandScheduler(maxRunning: 4)
        scheduler.assigned([Self.partition])
        _ = scheduler.receive([Self.work("a", 3)])
        #expect(scheduler.receive([Self.work("b", 3), Self.work("c", 2)]).isEmpty)
        #expect(scheduler.buffered == 1)
    }
}
