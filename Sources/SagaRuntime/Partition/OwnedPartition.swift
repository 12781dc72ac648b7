import SagaCore
import SagaStore

/// One partition number this instance owns: its lease, its non-terminal sagas in memory and
/// their timers.
///
/// Sagas that are `completed` or `compensated` leave memory when they finish; `failed` sagas stay,
/// since an operator may still retry or force them.
struct OwnedPartition {
    /// The lease every commit for this partition checks.
    var lease: PartitionLease
    /// Non-terminal sagas by id.
    var sagas: [String: SagaState] = [:]
    /// The timers of `sagas`.
    var timers = DeadlineHeap()
    /// Sagas set aside because their state cannot be read or written; their inputs are dead-lettered.
    var quarantined: Set<String> = []
    /// How far the partition's timers may fire, given how far its replies have been read.
    var replies = ReplyHorizon()
    /// The offset of the replies partition read next, once known.
    var repliesNext: Int64?
    /// The spans open for the partition's sagas (empty when tracing is off).
    var spans = SagaSpans()

    var number: Int32 { lease.partition }

    init(lease: PartitionLease, maxTimerDeferral: Int64 = 60_000) {
        self.lease = lease
        self.replies = ReplyHorizon(maxDeferral: maxTimerDeferral)
    }

    /// Puts a saga in memory (or takes it out when it is terminal) and arms its timer.
    mutating func keep(_ state: SagaState) {
        if state.status.isTerminal {
            sagas[state.sagaID] = nil
            return
        }
        sagas[state.sagaID] = state
        if let deadline = state.nextDeadline {
            timers.push(deadline.milliseconds, state.sagaID)
        }
    }

    /// The ids of sagas whose timer is due at `now`, each once.
    mutating func dueTimers(now: Int64) -> [String] {
        var due: [String] = []
        var seen = Set<String>()
        while let entry = timers.popDue(now: now) {
            // An entry is stale when the saga left memory or its deadline moved since it was pushed.
            guard let state = sagas[entry.sagaID], state.nextDeadline?.milliseconds == entry.deadline else { continue }
            if seen.insert(entry.sagaID).inserted { due.append(entry.sagaID) }
        }
        if timers.count > 4 * sagas.count + 1024 {
            let sagas = self.sagas
            timers.compact { entry in sagas[entry.sagaID]?.nextDeadline?.milliseconds == entry.deadline }
        }
        return due
    }
}
