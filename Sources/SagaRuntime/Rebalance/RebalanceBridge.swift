import Kafka
import Logging
import SagaStore
import Synchronization

/// Joins the consumer's rebalance callbacks to the store.
///
/// On assignment the callback asks ``serve(store:)`` (a child task of the orchestrator) to take
/// each new partition number — bump its epoch, which fences any earlier owner — and load it, then
/// seeks every assigned topic partition to the offset the store recorded. What changed is queued
/// as ``Event``s for the orchestrator's loop, which installs or drops partitions right after the
/// poll that served the rebalance, before it applies any message.
final class RebalanceBridge: Sendable {
    enum Event: Sendable {
        case assigned(PartitionSnapshot)
        case revoked(Int32, lost: Bool)
        case failed(OrchestratorError)
    }

    private let requests: AsyncStream<AssignmentRequest>
    private let continuation: AsyncStream<AssignmentRequest>.Continuation
    private let events = Mutex<[Event]>([])
    private let assignedOnce = Mutex(false)
    private let takeOverTimeout: Duration
    private let logger: Logger

    init(takeOverTimeout: Duration = .seconds(60), logger: Logger) {
        (requests, continuation) = AsyncStream.makeStream(of: AssignmentRequest.self)
        self.takeOverTimeout = takeOverTimeout
        self.logger = logger
    }

    /// The handler to give the consumer.
    var handler: KafkaRebalanceHandler {
        KafkaRebalanceHandler(
            onAssign: { [self] partitions in assign(partitions) },
            onRevoke: { [self] partitions, lost in revoke(partitions, lost: lost) }
        )
    }

    /// Whether the consumer has been given an assignment (possibly empty) since it subscribed.
    var hasBeenAssigned: Bool { assignedOnce.withLock { $0 } }

    /// Takes the events queued since the last call.
    func drain() -> [Event] {
        events.withLock { queued in
            defer { queued.removeAll() }
            return queued
        }
    }

    /// Serves assignment requests until ``finish()``; with `offsetCheck`, recorded offsets beyond
    /// their topic's end are dropped (the partition is read from its start).
    func serve(store: any SagaStore, clock: @escaping @Sendable () -> Int64, offsetCheck: RecordedOffsetCheck? = nil) async {
        for await request in requests {
            do {
                var snapshots: [PartitionSnapshot] = []
                for partition in request.partitions {
                    let started = clock()
                    var snapshot: PartitionSnapshot
                    do {
                        snapshot = try await store.loadPartition(try await store.takePartition(partition))
                    } catch let error as SagaStoreError where error.code == .fenced {
                        // Another instance took it between our take and our load: a newer
                        // rebalance is under way (this instance was paused, say). Leave it to that one.
                        logger.warning("partition taken by another instance while loading it; skipped", metadata: [
                            "partition": "\(partition)",
                        ])
                        continue
                    }
                    if let offsetCheck { snapshot = await offsetCheck.check(snapshot) }
                    let lease = snapshot.lease
                    snapshots.append(snapshot)
                    logger.info("took partition", metadata: [
                        "partition": "\(partition)", "epoch": "\(lease.epoch)",
                        "activeSagas": "\(snapshot.activeSagas.count)", "unsentOutbox": "\(snapshot.unsentOutbox.count)",
                        "restoreMs": "\(clock() - started)",
                    ])
                }
                request.fulfill(.success(snapshots))
            } catch {
                request.fulfill(.failure(error))
            }
        }
    }

    /// Ends ``serve(store:clock:)``.
    func finish() {
        continuation.finish()
    }

    // MARK: - Callbacks (on the consumer's poll thread)

    private func assign(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: KafkaOffset] {
        defer { assignedOnce.withLock { $0 = true } }
        let numbers = Array(Set(partitions.map(\.partition))).sorted()
        let request = AssignmentRequest(partitions: numbers)
        continuation.yield(request)
        switch request.wait(timeout: takeOverTimeout) {
        case nil:
            events.withLock { $0.append(.failed(.rebalance("taking partitions \(numbers) did not finish within \(takeOverTimeout)"))) }
            return [:]
        case .failure(let error)?:
            events.withLock { $0.append(.failed(.rebalance("taking partitions \(numbers) failed", cause: error))) }
            return [:]
        case .success(let snapshots)?:
            var offsets: [KafkaTopicPartition: KafkaOffset] = [:]
            let byNumber = Dictionary(uniqueKeysWithValues: snapshots.map { ($0.lease.partition, $0) })
            for topicPartition in partitions {
                guard let snapshot = byNumber[topicPartition.partition] else {
                    // Skipped (taken by another instance): its messages are not applied here.
                    offsets[topicPartition] = .end
                    continue
                }
                offsets[topicPartition] = snapshot.nextOffsets[topicPartition.topic].map { KafkaOffset($0) } ?? .beginning
            }
            events.withLock { $0.append(contentsOf: snapshots.map(Event.assigned)) }
            return offsets
        }
    }

    private func revoke(_ partitions: [KafkaTopicPartition], lost: Bool) {
        let numbers = Array(Set(partitions.map(\.partition))).sorted()
        events.withLock { $0.append(contentsOf: numbers.map { Event.revoked($0, lost: lost) }) }
    }
}
