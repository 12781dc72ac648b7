import CoreMetrics
import Kafka
import SagaCore

/// The orchestrator's swift-metrics instruments, made on the factory the ``Orchestrator`` was
/// given (the process's bootstrapped `MetricsSystem` by default). Names follow Prometheus
/// conventions: `_total` for counters, base units (`_seconds`).
///
/// | name | kind | labels |
/// | --- | --- | --- |
/// | `saga_sagas_started_total` | counter | `type` |
/// | `saga_sagas_finished_total` | counter | `type`, `outcome` (`completed`, `compensated`, `failed`) |
/// | `saga_sagas_active` | gauge | `type` |
/// | `saga_saga_duration_seconds` | histogram | `outcome` |
/// | `saga_step_outcomes_total` | counter | `step`, `phase`, `outcome` |
/// | `saga_step_reply_duration_seconds` | histogram | `phase` (command sent to reply applied) |
/// | `saga_batch_apply_duration_seconds` | histogram | |
/// | `saga_store_commit_duration_seconds` | histogram | |
/// | `saga_store_commits_total` | counter | |
/// | `saga_outbox_backlog` | gauge | |
/// | `saga_dead_letters_total` | counter | `reason` (see ``DeadLetterReason``) |
/// | `saga_inputs_ignored_total` | counter | |
/// | `saga_rebalances_total` | counter | `kind` (`assigned`, `revoked`, `lost`) |
/// | `saga_fenced_commits_total` | counter | |
/// | `saga_owned_partitions` | gauge | |
/// | `saga_intake_paused` | gauge | |
/// | `saga_consumer_lag` | gauge | `topic`, `partition` (owned input partitions; 0 once released) |
/// | `saga_input_age_seconds` | histogram | | (per poll: its oldest input, from its producer's timestamp to the poll)
/// | `saga_commit_residence_seconds` | histogram | | (per commit: from the poll that brought its inputs until its messages are queued for the relay)
/// | `saga_relay_queue_duration_seconds` | histogram | | (per relayed batch: queued until handed to the producer)
/// | `saga_relay_ack_duration_seconds` | histogram | | (per relayed batch: handed to the producer until acknowledged)
/// | `saga_outbox_published_total` | counter | |
final class OrchestratorInstruments: Sendable {
    private let factory: any MetricsFactory
    private let commitDuration: Timer
    private let applyDuration: Timer
    private let commits: Counter
    private let ignored: Counter
    private let fenced: Counter
    private let backlog: Gauge
    private let owned: Gauge
    private let paused: Gauge
    private let inputAge: Timer
    private let residence: Timer
    private let relayQueue: Timer
    private let relayAck: Timer
    private let published: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        commitDuration = Timer(label: "saga_store_commit_duration_seconds", factory: factory)
        applyDuration = Timer(label: "saga_batch_apply_duration_seconds", factory: factory)
        commits = Counter(label: "saga_store_commits_total", factory: factory)
        ignored = Counter(label: "saga_inputs_ignored_total", factory: factory)
        fenced = Counter(label: "saga_fenced_commits_total", factory: factory)
        backlog = Gauge(label: "saga_outbox_backlog", factory: factory)
        owned = Gauge(label: "saga_owned_partitions", factory: factory)
        paused = Gauge(label: "saga_intake_paused", factory: factory)
        inputAge = Timer(label: "saga_input_age_seconds", factory: factory)
        residence = Timer(label: "saga_commit_residence_seconds", factory: factory)
        relayQueue = Timer(label: "saga_relay_queue_duration_seconds", factory: factory)
        relayAck = Timer(label: "saga_relay_ack_duration_seconds", factory: factory)
        published = Counter(label: "saga_outbox_published_total", factory: factory)
    }

    /// Records what a committed batch of one partition did.
    func committed(_ work: PartitionWork, now: Int64) {
        commits.increment()
        if work.ignored > 0 { ignored.increment(by: work.ignored) }
        for (type, count) in work.startedByType {
            Counter(label: "saga_sagas_started_total", dimensions: [("type", type)], factory: factory).increment(by: count)
        }
        for finished in work.finished {
            let outcome = finished.status.rawValue
            Counter(label: "saga_sagas_finished_total", dimensions: [("type", finished.type), ("outcome", outcome)], factory: factory).increment()
            let millis = max(0, now - finished.startedAt)
            Timer(label: "saga_saga_duration_seconds", dimensions: [("outcome", outcome)], factory: factory)
                .recordMilliseconds(millis)
        }
        for (key, count) in work.stepOutcomes {
            Counter(label: "saga_step_outcomes_total", dimensions: [("step", key.step), ("phase", key.phase), ("outcome", key.outcome)], factory: factory)
                .increment(by: count)
        }
        for (phase, millis) in work.replyLatencies {
            Timer(label: "saga_step_reply_duration_seconds", dimensions: [("phase", phase)], factory: factory).recordMilliseconds(millis)
        }
        for (reason, count) in work.deadLettersByReason {
            Counter(label: "saga_dead_letters_total", dimensions: [("reason", reason.rawValue)], factory: factory).increment(by: count)
        }
    }

    func commitTook(_ duration: Duration) { commitDuration.recordNanoseconds(duration.nanoseconds) }
    func applyTook(_ duration: Duration) { applyDuration.recordNanoseconds(duration.nanoseconds) }
    func fencedCommit() { fenced.increment() }

    /// Records the age of the oldest input of a poll (inputs stamped with their creation time).
    func polled(_ messages: [KafkaConsumerMessage], now: Int64) {
        var oldest: Int64?
        for message in messages {
            guard let timestamp = message.timestamp, timestamp.kind == .createTime else { continue }
            oldest = min(oldest ?? .max, timestamp.millisecondsSinceEpoch)
        }
        if let oldest { inputAge.recordMilliseconds(max(0, now - oldest)) }
    }

    func resided(_ duration: Duration) { residence.recordNanoseconds(duration.nanoseconds) }
    func relayQueued(_ duration: Duration) { relayQueue.recordNanoseconds(duration.nanoseconds) }
    func relayAcknowledged(_ duration: Duration) { relayAck.recordNanoseconds(duration.nanoseconds) }
    func published(_ count: Int) { published.increment(by: count) }

    /// A message Kafka refused for good, replaced by a dead letter.
    func refusedByKafka() {
        Counter(label: "saga_dead_letters_total", dimensions: [("reason", DeadLetterReason.refusedByKafka.rawValue)], factory: factory).increment()
    }

    func rebalanced(_ kind: String) {
        Counter(label: "saga_rebalances_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    func gauges(backlog: Int, ownedPartitions: Int, intakePaused: Bool) {
        self.backlog.record(backlog)
        owned.record(ownedPartitions)
        paused.record(intakePaused ? 1 : 0)
    }

    /// Sets the lag gauge of every partition read now, and 0 for those read before and not now.
    func lag(_ lags: [KafkaTopicPartition: Int64], known: inout Set<KafkaTopicPartition>) {
        for partition in known.union(lags.keys) {
            Gauge(label: "saga_consumer_lag", dimensions: [("topic", partition.topic), ("partition", "\(partition.partition)")], factory: factory)
                .record(lags[partition] ?? 0)
        }
        known.formUnion(lags.keys)
    }

    /// Sets the active-saga gauge of every type seen so far (a type with none left goes to 0).
    func active(byType counts: [String: Int], known: inout Set<String>) {
        known.formUnion(counts.keys)
        for type in known {
            Gauge(label: "saga_sagas_active", dimensions: [("type", type)], factory: factory).record(counts[type, default: 0])
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
