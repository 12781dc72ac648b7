import Foundation
import Kafka
import Logging

/// Where the orchestrator's loop spends its time, summed over a few seconds and logged at debug
/// level: the first thing to read when throughput or latency is off.
struct LoopStats {
    private var iterations = 0
    private var messages = 0
    private var poll: Duration = .zero
    private var process: Duration = .zero
    private var commit: Duration = .zero
    private var maxCommit: Duration = .zero
    /// Commits settled, and their stages summed (see ``record(commitFrom:started:committed:relayed:)``).
    private var commits = 0
    private var toCommit: Duration = .zero
    private var toRelay: Duration = .zero
    private var residence: Duration = .zero
    private var maxResidence: Duration = .zero
    private var maxProcess: Duration = .zero
    private var backlog = 0
    /// Milliseconds from each input's creation (its producer's timestamp) until a poll returned it.
    private var inputAge: Int64 = 0
    private var maxInputAge: Int64 = 0
    private var since = ContinuousClock.now

    /// Adds a commit's stages: from the poll that brought its inputs to the commit's start
    /// (applying them, and waiting for the commit before), the commit itself, and from its end
    /// until its outbox was queued for the relay (the loop settles it between iterations).
    mutating func record(commitFrom polled: ContinuousClock.Instant, started: ContinuousClock.Instant, committed: ContinuousClock.Instant, relayed: ContinuousClock.Instant) {
        commits += 1
        toCommit += started - polled
        let commit = committed - started
        self.commit += commit
        maxCommit = max(maxCommit, commit)
        toRelay += relayed - committed
        let total = relayed - polled
        residence += total
        maxResidence = max(maxResidence, total)
    }

    /// Adds how long each polled input took from its producer to the poll (the broker hop, then
    /// the wait in the consumer's queue), for inputs stamped with their creation time.
    mutating func recordAges(of messages: [KafkaConsumerMessage], now: Int64) {
        for message in messages {
            guard let timestamp = message.timestamp, timestamp.kind == .createTime else { continue }
            let age = max(0, now - timestamp.millisecondsSinceEpoch)
            inputAge += age
            maxInputAge = max(maxInputAge, age)
        }
    }

    mutating func record(messages: Int, poll: Duration, process: Duration, backlog: Int) {
        iterations += 1
        self.messages += messages
        self.poll += poll
        self.process += process
        maxProcess = max(maxProcess, process)
        self.backlog = max(self.backlog, backlog)
    }

    /// A summary of the last interval once it is 5 seconds long, then starts a new one. Reading
    /// it: an input's way through this instance is `meanInputAgeMs` (the broker hop, then the
    /// consumer's queue), then `meanResidenceMs` (apply, wait for the commit before, commit, wait
    /// for the loop to settle it), then the relay's `relayMeanQueuedMs` and `relayMeanAckMs`.
    mutating func summaryIfDue(relay: OutboxRelay) -> Logger.Metadata? {
        guard ContinuousClock.now - since >= .seconds(5) else { return nil }
        let timing = relay.takeTiming()
        func ms(_ d: Duration) -> String { "\(d.wholeMillisecondsValue)" }
        func mean(_ total: Duration, _ count: Int) -> String {
            count == 0 ? "0" : String(format: "%.2f", (Double(total.components.seconds) * 1e3 + Double(total.components.attoseconds) / 1e15) / Double(count))
        }
        let summary: Logger.Metadata = [
            "iterations": "\(iterations)", "messages": "\(messages)", "commits": "\(commits)",
            "pollMs": "\(ms(poll))", "processMs": "\(ms(process))", "maxProcessMs": "\(ms(maxProcess))",
            "commitMs": "\(ms(commit))", "maxCommitMs": "\(ms(maxCommit))",
            "meanInputAgeMs": "\(messages == 0 ? 0 : inputAge / Int64(messages))", "maxInputAgeMs": "\(maxInputAge)",
            "meanToCommitMs": "\(mean(toCommit, commits))", "meanCommitMs": "\(mean(commit, commits))",
            "meanToRelayMs": "\(mean(toRelay, commits))", "meanResidenceMs": "\(mean(residence, commits))", "maxResidenceMs": "\(ms(maxResidence))",
            "maxRelayBacklog": "\(backlog)", "relayBatches": "\(timing.batches)", "relayMeanQueuedMs": "\(mean(timing.queued, timing.batches))",
            "relayMeanAckMs": "\(mean(timing.acknowledged, timing.batches))", "relayMaxAckMs": "\(ms(timing.maxAcknowledged))",
        ]
        self = LoopStats()
        return summary
    }
}
