import Foundation
import Kafka
import Logging
import SagaCore
import SagaStore

/// The orchestrator's single loop: poll, apply in memory, commit per partition, relay, repeat.
///
/// Everything mutable lives here and is touched by one task only; rebalances reach it as events
/// drained after each poll.
struct OrchestratorLoop {
    let configuration: OrchestratorConfiguration
    let registry: SagaRegistry
    let store: any SagaStore
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let bridge: RebalanceBridge
    let relay: OutboxRelay
    let instruments: OrchestratorInstruments
    let status: OrchestratorStatusCell
    let logger: Logger

    private var partitions: [Int32: OwnedPartition] = [:]
    /// The decisions: the commit slot, the read barrier, the fenced fallback, intake and purge.
    private var machine: StateMachine
    /// When the per-type active-saga gauges were last set, and the types they name.
    private var lastGauges = ContinuousClock.now
    private var gaugeTypes = Set<String>()
    private var lagPartitions = Set<KafkaTopicPartition>()
    /// When the last poll returned.
    private var polled = ContinuousClock.now
    private let encoder = SagaStateEncoder()
    private let decoder: InputDecoder
    private let applier: BatchApplier

    init(
        configuration: OrchestratorConfiguration, registry: SagaRegistry, store: any SagaStore,
        consumer: KafkaConsumer, producer: KafkaProducer, bridge: RebalanceBridge, relay: OutboxRelay,
        instruments: OrchestratorInstruments, status: OrchestratorStatusCell, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.consumer = consumer
        self.producer = producer
        self.bridge = bridge
        self.relay = relay
        self.instruments = instruments
        self.status = status
        self.logger = logger
        self.machine = StateMachine(settings: Self.settings(configuration), now: Self.wallClock())
        self.decoder = InputDecoder(registry: registry, partitionCount: configuration.partitions, maxInputBytes: configuration.maxInputBytes)
        // Every type the instance runs has a gauge from the start, at 0 until a saga of it is active.
        self.gaugeTypes = Set(registry.versions.map(\.type))
        self.applier = BatchApplier(
            registry: registry, topics: configuration.topics,
            commandSentEvents: configuration.commandSentEvents, partitionCount: configuration.partitions,
            limits: .init(maxMessageBytes: configuration.maxMessageBytes, deadLetterCopyBytes: configuration.deadLetterCopyBytes),
            tracer: SagaTracer(configuration.tracer), logger: logger
        )
    }

    static func settings(_ configuration: OrchestratorConfiguration) -> StateMachine.Settings {
        StateMachine.Settings(
            maxActiveSagas: configuration.maxActiveSagas, maxPollWait: configuration.maxPollWait.wholeMillisecondsValue,
            purgeInterval: configuration.purgeInterval.wholeMillisecondsValue, retention: configuration.retention.wholeMillisecondsValue
        )
    }

    static let wallClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The group commit of the last batch, running while the next batch is polled and applied.
    private struct InFlightCommit {
        var entries: [(number: Int32, lease: PartitionLease, work: PartitionWork)]
        var batches: [CommitBatch]
        var started: ContinuousClock.Instant
        /// When the poll that brought the batch's inputs returned.
        var polled: ContinuousClock.Instant
    }

    /// A commit's results and when the store returned them.
    private typealias Commits = ThrowingTaskGroup<([CommitResult], ContinuousClock.Instant), any Error>

    mutating func run() async throws {
        machine = StateMachine(settings: Self.settings(configuration), now: Self.wallClock())
        // One commit at a time runs beside the loop: while the store writes batch N, the loop
        // polls and applies batch N+1 in memory; N+1's commit starts once N's is settled. With a
        // store across the network (PostgreSQL) the loop no longer waits out each round trip.
        try await withThrowingTaskGroup(of: ([CommitResult], ContinuousClock.Instant).self) { commits in
            var inFlight: InFlightCommit?
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let messages: [KafkaConsumerMessage]
                do throws(KafkaError) {
                    // With a commit in flight, take only what has already arrived: when nothing
                    // has, the loop settles that commit at once instead of waiting for input.
                    let wait = pollWait()
                    if let delay = configuration.pollDelayForTesting { try? await Task.sleep(for: delay) }
                    messages = try await consumer.nextBatch(maxMessages: configuration.maxBatchMessages, timeout: wait)
                } catch {
                    if error.isFatal { throw OrchestratorError.kafka("the consumer failed", cause: error) }
                    logger.warning("poll failed", metadata: ["error": "\(error)"])
                    continue
                }
                let processing = ContinuousClock.now
                polled = processing
                instruments.polled(messages, now: Self.wallClock())
                try await applyRebalanceEvents()
                try await process(messages, commits: &commits, inFlight: &inFlight)
                let turned = ContinuousClock.now
                if !messages.isEmpty { instruments.applyTook(turned - processing) }
                reportStatus(at: turned)
                updateIntake()
                try await purgeIfDue()
            }
            // Finish the batch in flight before letting go.
            try await settle(&inFlight, commits: &commits)
        }
    }

    // MARK: - Rebalance

    private mutating func applyRebalanceEvents() async throws {
        var actions: [StateMachine.Action] = []
        for event in bridge.drain() {
            switch event {
            case .failed(let error):
                throw error
            case .revoked(let number, let lost):
                instruments.rebalanced(lost ? "lost" : "revoked")
                machine.revoked(number)
                if let partition = partitions.removeValue(forKey: number) {
                    logger.info("released partition", metadata: [
                        "partition": "\(number)", "lost": "\(lost)", "activeSagas": "\(partition.sagas.count)",
                    ])
                }
            case .assigned(let snapshot):
                instruments.rebalanced("assigned")
                var partition = OwnedPartition(lease: snapshot.lease, maxTimerDeferral: configuration.maxTimerDeferral.wholeMillisecondsValue)
                partition.repliesNext = snapshot.nextOffsets[configuration.topics.replies]
                var work = PartitionWork()
                for record in snapshot.activeSagas {
                    if record.status == SagaRecord.quarantinedStatus {
                        partition.quarantined.insert(record.id)
                        continue
                    }
                    do {
                        partition.keep(try encoder.decode(record.state))
                    } catch {
                        // One unreadable row must not stop the partition's other sagas.
                        applier.quarantine(record, reason: "its stored state cannot be read: \(error)", &partition, &work)
                    }
                }
                partitions[snapshot.lease.partition] = partition
                actions += machine.assigned(snapshot.lease)
                if !work.quarantined.isEmpty {
                    let batch = CommitBatch(lease: snapshot.lease, sagas: work.quarantined, nextOffsets: [:], outbox: [], startKeys: [])
                    do {
                        _ = try await store.commit(batch)
                    } catch {
                        logger.warning("marking quarantined sagas failed; they are left out all the same", metadata: ["error": "\(error)"])
                    }
                }
                // What the last owner committed but did not publish goes out before anything new.
                await relay.enqueue(snapshot.unsentOutbox)
            }
        }
        let (owned, active) = (partitions.count, partitions.values.reduce(0) { $0 + $1.sagas.count })
        status.update {
            $0.ownedPartitions = owned
            $0.activeSagas = active
        }
        // New partitions are paused too while intake is.
        if actions.contains(.pauseIntake) { pauseIntake() }
    }

    // MARK: - Processing

    private mutating func process(_ messages: [KafkaConsumerMessage], commits: inout Commits, inFlight: inout InFlightCommit?) async throws {
        let now = SagaTime(milliseconds: Self.wallClock())
        var byPartition: [Int32: [DecodedInput]] = [:]
        for message in messages {
            byPartition[message.partition, default: []].append(decoder.decode(message))
            if message.topic == configuration.topics.replies {
                partitions[message.partition]?.replies.read(replyStampedAt: message.timestamp?.millisecondsSinceEpoch ?? now.milliseconds)
                partitions[message.partition]?.repliesNext = message.offset + 1
            }
        }
        for number in Array(partitions.keys) {
            let high = consumer.cachedHighWatermark(of: KafkaTopicPartition(topic: configuration.topics.replies, partition: number))
            let next = partitions[number]?.repliesNext
            partitions[number]?.replies.checked(next: next, highWatermark: high)
        }
        // Inputs that need a read of the store (a saga out of memory, a business key) must see the
        // batch in flight once it names what they read.
        let named = byPartition.values.joined()
        if machine.mustSettleBeforeReading(
            sagaIDs: named.lazy.compactMap(\.sagaID), startWithBusinessKey: named.contains(where: Self.startsWithBusinessKey)
        ) {
            try await settle(&inFlight, commits: &commits)
        }
        let lookups = try await lookups(for: byPartition)
        let undeliverable = relay.takeUndeliverable()
        // Apply every partition's inputs and due timers in memory...
        var entries: [(number: Int32, lease: PartitionLease, work: PartitionWork)] = []
        for number in Array(partitions.keys).sorted() {
            // Taken out while it changes: a copy left in the dictionary would share its sagas'
            // storage, and the first change would copy every active saga of the partition.
            guard var partition = partitions.removeValue(forKey: number) else { continue }
            var work = PartitionWork()
            if let inputs = byPartition.removeValue(forKey: number) {
                applier.apply(inputs, to: &partition, lookups: lookups, work: &work, now: now)
            }
            for failure in undeliverable where partition.sagas[failure.sagaID] != nil {
                applier.applyUndeliverable(failure, to: &partition, work: &work, now: now)
            }
            applier.fireTimers(of: &partition, work: &work, now: now, limit: partition.replies.limit(now: now.milliseconds))
            if !work.isEmpty { entries.append((number, partition.lease, work)) }
            partitions[number] = partition
        }
        for (number, skipped) in byPartition {
            logger.debug("skipped messages of a partition not owned", metadata: ["partition": "\(number)", "count": "\(skipped.count)"])
        }
        guard !entries.isEmpty else {
            try await settle(&inFlight, commits: &commits)
            return
        }
        let batches = entries.map { entry in
            CommitBatch(
                lease: entry.lease,
                sagas: entry.work.records(partition: entry.number, now: now.milliseconds),
                nextOffsets: entry.work.nextOffsets,
                outbox: entry.work.outbox,
                startKeys: entry.work.startKeys,
                progress: configuration.progressHistory > 0 ? entry.work.progress : [],
                progressLimit: configuration.progressHistory
            )
        }
        // ...then, once the last batch is written, write them all in one transaction (group commit).
        try await settle(&inFlight, commits: &commits)
        // A partition the last commit found fenced is gone: its share of this batch was applied on
        // top of a batch that was not written, and goes with it.
        let shares = entries.map { entry in
            StateMachine.Share(
                partition: entry.number, lease: entry.lease,
                departed: Set(entry.work.touched.filter { $0.value.status.isTerminal }.keys)
            )
        }
        let keptPartitions = Set(machine.commitReady(shares).map(\.partition))
        let kept = entries.indices.filter { keptPartitions.contains(entries[$0].number) }
        guard !kept.isEmpty else { return }
        let next = InFlightCommit(entries: kept.map { entries[$0] }, batches: kept.map { batches[$0] }, started: .now, polled: polled)
        let store = self.store
        commits.addTask { (try await store.commit(all: next.batches), ContinuousClock.now) }
        inFlight = next
    }

    /// Waits for the commit in flight, then relays what it wrote; when a partition was fenced,
    /// each partition's batch is committed alone to keep the others.
    private mutating func settle(_ inFlight: inout InFlightCommit?, commits: inout Commits) async throws {
        guard let commit = inFlight else { return }
        inFlight = nil
        do {
            let (results, committed) = try await commits.next() ?? ([], .now)
            _ = machine.commitSettled(.committed)  // relay what it wrote:
            instruments.commitTook(committed - commit.started)
            for (entry, result) in zip(commit.entries, results) {
                count(entry.work)
                await relay.enqueue(result.outbox)
            }
            instruments.resided(.now - commit.polled)
        } catch let error as SagaStoreError where error.code == .fenced {
            for case .commitAlone(let shares) in machine.commitSettled(.fenced) {
                // The shares are the commit's entries, in order.
                for (share, (entry, batch)) in zip(shares, zip(commit.entries, commit.batches)) {
                    try await commitAlone(share, entry.work, batch)
                }
            }
        } catch {
            throw OrchestratorError.store("committing a batch failed", cause: error)
        }
    }

    private mutating func commitAlone(_ share: StateMachine.Share, _ work: PartitionWork, _ batch: CommitBatch) async throws {
        let (number, lease) = (share.partition, share.lease)
        do {
            let result = try await store.commit(batch)
            count(work)
            await relay.enqueue(result.outbox)
        } catch let error as SagaStoreError where error.code == .fenced {
            // Another instance took the partition: nothing of this batch was written. Stop
            // working on it (unless it was taken again since, under a new lease); the consumer
            // group hands it over.
            for case .release(let partition) in machine.commitAloneFenced(share) { partitions[partition] = nil }
            instruments.fencedCommit()
            logger.error("partition fenced: another instance owns it now; the batch was not written", metadata: [
                "partition": "\(number)", "epoch": "\(lease.epoch)",
                "sagas": "\(batch.sagas.count)", "outbox": "\(batch.outbox.count)",
            ])
        } catch {
            throw OrchestratorError.store("committing a batch of partition \(number) failed", cause: error)
        }
    }

    /// Whether `input` is a start with a business key: the commit in flight may register the
    /// same key, so its store read waits for it (see ``StateMachine/mustSettleBeforeReading(sagaIDs:startWithBusinessKey:)``).
    private static func startsWithBusinessKey(_ input: DecodedInput) -> Bool {
        if case .start(let start, _, _) = input.kind, start.businessKey != nil { return true }
        return false
    }

    /// Reads from the store the sagas that inputs name but that are not in memory (finished ones),
    /// and the owners of start keys.
    private func lookups(for inputs: [Int32: [DecodedInput]]) async throws -> BatchApplier.Lookups {
        var lookups = BatchApplier.Lookups()
        var missing = Set<String>()
        var keys = Set<StartKey>()
        for (number, inputs) in inputs {
            guard let partition = partitions[number] else { continue }
            for input in inputs {
                if let id = input.sagaID, partition.sagas[id] == nil { missing.insert(id) }
                if case .start(let start, _, _) = input.kind, let businessKey = start.businessKey {
                    keys.insert(StartKey(sagaType: start.sagaType, businessKey: businessKey))
                }
            }
        }
        do {
            // One read for the whole batch: a read per id was a round trip to the store's thread
            // (or server) per start, each behind the commit in flight.
            for (id, record) in try await store.sagas(ids: Array(missing)) {
                if record.status == SagaRecord.quarantinedStatus {
                    lookups.quarantined.insert(id)
                    continue
                }
                do {
                    lookups.sagas[id] = try encoder.decode(record.state)
                } catch {
                    logger.error("a stored saga cannot be read; its inputs are dead-lettered", metadata: ["saga": "\(id)", "error": "\(error)"])
                    lookups.quarantined.insert(id)
                }
            }
            if !keys.isEmpty {
                lookups.startKeyOwners = try await store.sagaIDs(forStartKeys: Array(keys))
            }
        } catch {
            throw OrchestratorError.store("looking up sagas failed", cause: error)
        }
        return lookups
    }

    private func count(_ work: PartitionWork) {
        instruments.committed(work, now: Self.wallClock())
    }

    /// Tells the probes the loop turned, and sets the gauges (the per-type active counts, which
    /// walk every saga in memory, once a second).
    private mutating func reportStatus(at now: ContinuousClock.Instant) {
        let owned = partitions.count
        let active = partitions.values.reduce(0) { $0 + $1.sagas.count }
        let backlog = relay.backlog
        let joined = bridge.hasBeenAssigned
        status.update {
            $0.lastTurn = now
            $0.joinedGroup = joined
            $0.ownedPartitions = owned
            $0.activeSagas = active
            $0.outboxBacklog = backlog
        }
        guard now - lastGauges >= .seconds(1) else { return }
        lastGauges = now
        instruments.gauges(backlog: backlog, ownedPartitions: owned, intakePaused: machine.intakePaused)
        var byType: [String: Int] = [:]
        for partition in partitions.values {
            for state in partition.sagas.values { byType[state.sagaType, default: 0] += 1 }
        }
        instruments.active(byType: byType, known: &gaugeTypes)
        let inputs = partitions.keys.flatMap { number in
            configuration.topics.inputs.map { KafkaTopicPartition(topic: $0, partition: number) }
        }
        let lags = consumer.lag(of: inputs)
        instruments.lag(lags, known: &lagPartitions)
        let lagByPartition = lags.reduce(into: [Int32: Int64]()) { $0[$1.key.partition, default: 0] += $1.value }
        let listed = partitions.keys.sorted().map { number in
            OrchestratorStatus.PartitionStatus(
                partition: number, activeSagas: partitions[number]?.sagas.count ?? 0, lag: lagByPartition[number]
            )
        }
        status.update { $0.partitions = listed }
    }

    // MARK: - Backpressure, timers, purge

    private func pollWait() -> Duration {
        // A due timer held back for unread replies is looked at again after the next poll.
        machine.pollTimeout(earliestTimer: partitions.values.compactMap(\.timers.earliest).min(), now: Self.wallClock())
    }

    private mutating func updateIntake() {
        let active = partitions.values.reduce(0) { $0 + $1.sagas.count }
        status.update { $0.activeSagas = active }
        for action in machine.activeSagas(active) {
            switch action {
            case .pauseIntake:
                pauseIntake()
                logger.notice("intake paused: active saga bound reached", metadata: ["active": "\(active)"])
            case .resumeIntake:
                let commands = partitions.keys.map { KafkaTopicPartition(topic: configuration.topics.commands, partition: $0) }
                do {
                    try consumer.resume(commands)
                } catch {
                    logger.warning("resuming intake failed", metadata: ["error": "\(error)"])
                }
                logger.notice("intake resumed", metadata: ["active": "\(active)"])
            default:
                break
            }
        }
        status.update { [paused = machine.intakePaused] in $0.intakePaused = paused }
    }

    private func pauseIntake() {
        let commands = partitions.keys.map { KafkaTopicPartition(topic: configuration.topics.commands, partition: $0) }
        do {
            try consumer.pause(commands)
        } catch {
            logger.warning("pausing intake failed", metadata: ["error": "\(error)"])
        }
    }

    private mutating func purgeIfDue() async throws {
        for case .purge(let cutoff) in machine.turnEnded(now: Self.wallClock()) {
            do {
                let result = try await store.purge(finishedBefore: cutoff)
                logger.info("purged", metadata: ["result": "\(result)"])
            } catch {
                logger.warning("purging the store failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
