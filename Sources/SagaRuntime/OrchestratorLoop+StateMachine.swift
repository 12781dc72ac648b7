import SagaStore

extension OrchestratorLoop {
    /// The loop's decisions, with no I/O and no clock (every event that needs the time is given
    /// it): the one group-commit slot beside the loop, the read barrier for finished sagas, the
    /// fallback when a group commit is fenced, intake pause and resume with hysteresis, and the
    /// purge schedule. The loop feeds it events and performs the actions it returns.
    struct StateMachine: Sendable {
        /// The settings the decisions use, in milliseconds.
        struct Settings: Sendable, Hashable {
            /// At this many active sagas intake pauses; it resumes below nine tenths of it.
            var maxActiveSagas: Int
            /// How long a poll waits at most when nothing is due.
            var maxPollWait: Int64
            /// How often finished sagas are purged.
            var purgeInterval: Int64
            /// How long finished sagas are kept.
            var retention: Int64
        }

        /// One partition's share of a batch applied in memory, ready to commit.
        struct Share: Sendable, Hashable {
            var partition: Int32
            /// The lease it was applied under.
            var lease: PartitionLease
            /// Sagas it finished (out of memory once committed).
            var departed: Set<String>
        }

        /// The group commit running beside the loop.
        struct Commit: Sendable, Hashable {
            var shares: [Share]
            /// Sagas this commit finished, whose last state is not in the store until it is settled.
            var departed: Set<String> { shares.reduce(into: []) { $0.formUnion($1.departed) } }
        }

        /// How a group commit ended.
        enum CommitOutcome: Sendable, Hashable {
            case committed
            /// A lease was stale: nothing of the group was written.
            case fenced
        }

        /// What the loop does.
        enum Action: Sendable, Hashable {
            /// Pause the command topic's partitions this instance owns (new ones included).
            case pauseIntake
            /// Resume them.
            case resumeIntake
            /// Delete terminal sagas that finished before this time.
            case purge(finishedBefore: Int64)
            /// Publish what the settled commit wrote.
            case relay
            /// Commit each of these partitions' batches alone, in order, to keep those not fenced.
            case commitAlone([Share])
            /// Stop working on the partition: another instance owns it now.
            case release(partition: Int32)
        }

        let settings: Settings
        /// The lease the loop works under, per owned partition.
        private(set) var leases: [Int32: PartitionLease] = [:]
        /// The group commit in flight, if any.
        private(set) var commit: Commit?
        private(set) var intakePaused = false
        private var lastPurge: Int64

        /// - Parameters:
        ///   - settings: The bounds and intervals.
        ///   - now: Wall-clock milliseconds at start: the first purge is one interval later.
        init(settings: Settings, now: Int64) {
            self.settings = settings
            self.lastPurge = now
        }

        // MARK: - Rebalance

        /// The loop owns a partition under `lease` now.
        /// - Returns: ``Action/pauseIntake`` while intake is paused, so the new partition is paused too.
        mutating func assigned(_ lease: PartitionLease) -> [Action] {
            leases[lease.partition] = lease
            return intakePaused ? [.pauseIntake] : []
        }

        /// The loop no longer owns `partition` (revoked or lost). A commit in flight that holds
        /// a share of it still settles (it was written under a lease that was current).
        mutating func revoked(_ partition: Int32) {
            leases[partition] = nil
        }

        // MARK: - Polling

        /// How long the next poll may wait: nothing with a commit in flight (so it is settled at
        /// once when no input has arrived), else until the earliest timer, at most the maximum.
        func pollTimeout(earliestTimer: Int64?, now: Int64) -> Duration {
            if commit != nil { return .zero }
            var wait = settings.maxPollWait
            if let earliestTimer { wait = min(wait, max(1, earliestTimer - now)) }
            return .milliseconds(wait)
        }

        /// The read barrier: whether the commit in flight must settle before the store is read
        /// for a batch whose inputs name `sagaIDs` (or a start with a business key, which that
        /// commit may register): such a read could miss what the commit writes.
        func mustSettleBeforeReading(sagaIDs: some Sequence<String>, startWithBusinessKey: Bool) -> Bool {
            guard let commit else { return false }
            if startWithBusinessKey { return true }
            let departed = commit.departed
            return sagaIDs.contains { departed.contains($0) }
        }

        // MARK: - The commit slot

        /// A batch applied in memory is ready; the commit before it has settled.
        /// - Returns: The shares to commit: those whose lease is still the loop's (a partition
        ///   fenced or revoked since goes, with what was applied on top of an unwritten batch).
        ///   When any is kept, it is the commit in flight from now on.
        mutating func commitReady(_ shares: [Share]) -> [Share] {
            precondition(commit == nil, "one commit at a time: settle the one in flight first")
            let kept = shares.filter { leases[$0.partition] == $0.lease }
            if !kept.isEmpty { commit = Commit(shares: kept) }
            return kept
        }

        /// The commit in flight ended.
        /// - Returns: ``Action/relay`` when it was written; ``Action/commitAlone(_:)`` when it was
        ///   fenced, to write the shares of the partitions still owned one by one.
        mutating func commitSettled(_ outcome: CommitOutcome) -> [Action] {
            guard let settled = commit else { return [] }
            commit = nil
            switch outcome {
            case .committed: return [.relay]
            case .fenced: return [.commitAlone(settled.shares)]
            }
        }

        /// A share committed alone was fenced: another instance owns its partition.
        /// - Returns: ``Action/release(partition:)`` unless the partition was taken again since,
        ///   under a newer lease.
        mutating func commitAloneFenced(_ share: Share) -> [Action] {
            guard leases[share.partition] == share.lease else { return [] }
            leases[share.partition] = nil
            return [.release(partition: share.partition)]
        }

        // MARK: - Intake and purge

        /// The count of sagas in memory after a turn: pauses intake at the bound, resumes it
        /// below nine tenths of it (hysteresis, so intake does not flap at the bound).
        mutating func activeSagas(_ active: Int) -> [Action] {
            if !intakePaused && active >= settings.maxActiveSagas {
                intakePaused = true
                return [.pauseIntake]
            }
            if intakePaused && active < settings.maxActiveSagas * 9 / 10 {
                intakePaused = false
                return [.resumeIntake]
            }
            return []
        }

        /// The end of a turn.
        /// - Returns: ``Action/purge(finishedBefore:)`` once per purge interval (whether or not a
        ///   commit is in flight: the purge touches only sagas finished long ago).
        mutating func turnEnded(now: Int64) -> [Action] {
            guard now - lastPurge >= settings.purgeInterval else { return [] }
            lastPurge = now
            return [.purge(finishedBefore: now - settings.retention)]
        }
    }
}
