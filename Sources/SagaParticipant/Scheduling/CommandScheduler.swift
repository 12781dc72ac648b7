import Kafka

/// Decides which received commands run now and how far each partition may be committed: the
/// participant's state machine, with no Kafka calls, clock or tasks of its own. The service's poll
/// loop, its workers and its rebalance handler drive it under one lock.
///
/// - At most `maxRunning` commands run at once. Commands of one saga run one at a time, in the
///   order received; other sagas' commands pass them by.
/// - A partition is committed up to its oldest unanswered command: a command counts only once
///   its reply (or dead letter) was acknowledged, and so do all before it.
/// - A revoked partition is forgotten: its waiting commands are dropped, and the end of a running
///   one no longer moves any offset (the partition's next owner handles it again).
/// - Once stopped, nothing new starts; waiting commands are dropped and stay uncommitted.
struct CommandScheduler {
    /// The most commands running at once.
    let maxRunning: Int
    /// Commands running now.
    private(set) var running = 0
    /// Received commands not started yet, in order.
    private var waiting: [CommandWork] = []
    /// Sagas with a command running.
    private var busySagas: Set<String> = []
    private var partitions: [KafkaTopicPartition: PartitionProgress] = [:]
    private var generations: UInt64 = 0
    /// Whether ``stop()`` was called.
    private(set) var isStopped = false

    init(maxRunning: Int) {
        self.maxRunning = maxRunning
    }

    /// Commands received and not yet finished.
    var buffered: Int { waiting.count + running }

    /// Whether any partition is assigned.
    var hasPartitions: Bool { !partitions.isEmpty }

    // MARK: - Assignment

    /// Starts tracking newly assigned partitions, each in a new generation.
    mutating func assigned(_ assigned: [KafkaTopicPartition]) {
        for partition in assigned {
            generations += 1
            partitions[partition] = PartitionProgress(generation: generations)
        }
    }

    /// Forgets revoked partitions and drops their waiting commands.
    mutating func revoked(_ revoked: [KafkaTopicPartition]) {
        let gone = Set(revoked)
        for partition in gone { partitions[partition] = nil }
        waiting.removeAll { gone.contains($0.message.topicPartition) }
    }

    /// Whether `work`'s partition is still assigned in the generation it was received in.
    func isCurrent(_ work: CommandWork) -> Bool {
        partitions[work.message.topicPartition]?.generation == work.generation
    }

    // MARK: - Work

    /// Takes received commands (those of partitions not assigned, or already received, are
    /// ignored).
    /// - Returns: the commands to start now.
    mutating func receive(_ received: [CommandWork]) -> [CommandWork] {
        guard !isStopped else { return [] }
        for var work in received {
            let partition = work.message.topicPartition
            guard var progress = partitions[partition], progress.receive(work.message.offset) else { continue }
            partitions[partition] = progress
            work.generation = progress.generation
            waiting.append(work)
        }
        var started: [CommandWork] = []
        while let next = startNext() { started.append(next) }
        return started
    }

    /// Ends a running command.
    /// - Parameters:
    ///   - work: the command.
    ///   - answered: whether its answer was acknowledged; `false` leaves its offset uncommitted.
    /// - Returns: the next command for the same worker to run, if any.
    mutating func finish(_ work: CommandWork, answered: Bool) -> CommandWork? {
        running -= 1
        if let saga = work.sagaID { busySagas.remove(saga) }
        let partition = work.message.topicPartition
        if answered, var progress = partitions[partition], progress.generation == work.generation {
            progress.answer(work.message.offset)
            partitions[partition] = progress
        }
        return startNext()
    }

    /// Starts nothing more and drops the waiting commands.
    mutating func stop() {
        isStopped = true
        waiting.removeAll()
    }

    private mutating func startNext() -> CommandWork? {
        guard !isStopped, running < maxRunning else { return nil }
        guard let index = waiting.firstIndex(where: { work in work.sagaID.map { !busySagas.contains($0) } ?? true }) else {
            return nil
        }
        let work = waiting.remove(at: index)
        if let saga = work.sagaID { busySagas.insert(saga) }
        running += 1
        return work
    }

    // MARK: - Offsets

    /// The offsets to commit: each partition's next offset to read, where it moved since its last
    /// commit.
    var dueCommits: [KafkaTopicPartition: KafkaOffset] {
        var due: [KafkaTopicPartition: KafkaOffset] = [:]
        for (partition, progress) in partitions {
            if let offset = progress.due { due[partition] = KafkaOffset(offset) }
        }
        return due
    }

    /// Records that `offsets` were committed (partitions revoked meanwhile are skipped).
    mutating func didCommit(_ offsets: [KafkaTopicPartition: KafkaOffset]) {
        for (partition, offset) in offsets {
            partitions[partition]?.didCommit(offset.rawValue)
        }
    }
}
