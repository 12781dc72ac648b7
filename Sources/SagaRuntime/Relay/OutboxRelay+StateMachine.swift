import SagaStore

extension OutboxRelay {
    /// The relay's decisions, with no I/O: which rows go out in which batch, how many batches may
    /// be on their way at once (the window), the order in which delivered batches count, and what
    /// a failed delivery does. The relay feeds it events (rows queued, a batch handed over, a
    /// batch's delivery outcome) and performs the actions it returns.
    ///
    /// Order per partition: batches count as published in the order they were handed over. A
    /// delivery that failed (retryably) stops the window — no new batch is handed over — and the
    /// failed batch is sent again, after a backoff, until it is published; only then does the
    /// window open again and do the batches after it count. An outcome that arrives for a later
    /// batch first is kept until the batches before it are done.
    struct StateMachine: Sendable {
        /// A batch handed to the producer and not yet published.
        struct InFlight: Sendable, Hashable {
            /// Its number, counted from 0 in the order batches are handed over.
            var number: Int
            var records: [OutboxRecord]
        }

        /// What became of one delivery attempt of a batch, as the relay read the producer's reports.
        enum Delivery: Sendable, Hashable {
            /// Every message of the attempt is published.
            case published
            /// Some messages must be sent again; `retryable` when Kafka may take them later (a
            /// backoff is due), not when they are dead letters replacing messages refused for good.
            case failed(retryable: Bool)
        }

        /// What the relay does after an outcome.
        enum Action: Sendable, Hashable {
            /// Send the batch's failed messages again, after `backoff` (none for dead letters).
            case resend(batch: Int, backoff: Duration?)
            /// The batch is published: mark these stored rows sent.
            case markSent(batch: Int, ids: [Int64])
        }

        /// What ``nextBatch(now:)`` decided.
        enum NextBatch: Sendable, Hashable {
            /// Hand this batch to the producer; its rows waited `queuedFor` since the first was queued.
            case send(InFlight, queuedFor: Duration?)
            /// The window is full or stopped by a failure: wait for an outcome.
            case waitForWindow
            /// Nothing is queued.
            case nothingQueued
        }

        /// At most this many batches are on their way at once.
        let maxBatchesInFlight: Int
        /// Beyond this many rows queued, ``hasRoom`` is false and callers wait.
        let maxPending: Int

        private(set) var pending: [OutboxRecord] = []
        private var pendingSince: ContinuousClock.Instant?
        /// Handed over, oldest first.
        private(set) var inFlight: [InFlight] = []
        /// Outcomes of batches after the oldest, kept until the oldest is done.
        private var early: [Int: Delivery] = [:]
        private var nextNumber = 0
        /// The oldest batch failed and is being sent again: the window is stopped.
        private(set) var retrying = false
        /// Failed attempts of the oldest batch so far.
        private var attempt = 0
        /// No more rows will be queued.
        private(set) var finished = false

        init(maxBatchesInFlight: Int = 16, maxPending: Int = 50_000) {
            self.maxBatchesInFlight = maxBatchesInFlight
            self.maxPending = maxPending
        }

        // MARK: - Queries

        /// Rows queued or on their way, not yet published.
        var backlog: Int { pending.count + inFlight.reduce(0) { $0 + $1.records.count } }
        /// Whether more rows may be queued without waiting.
        var hasRoom: Bool { pending.count <= maxPending }
        /// Whether a new batch may be handed over now (room in the window, no failure pending).
        var windowOpen: Bool { inFlight.count < maxBatchesInFlight && !retrying }
        /// Whether everything queued is published.
        var isDrained: Bool { pending.isEmpty && inFlight.isEmpty }
        /// Whether ``finish()`` was called and nothing is left to hand over.
        var isDone: Bool { finished && pending.isEmpty }

        // MARK: - Events

        /// Rows committed by the loop, queued after every row queued before.
        mutating func enqueue(_ records: [OutboxRecord], now: ContinuousClock.Instant) {
            guard !records.isEmpty else { return }
            if pending.isEmpty { pendingSince = now }
            pending.append(contentsOf: records)
        }

        /// No more rows will be queued.
        mutating func finish() {
            finished = true
        }

        /// The relay is ready to hand a batch over: everything queued, as one batch, if the window allows.
        mutating func nextBatch(now: ContinuousClock.Instant) -> NextBatch {
            guard windowOpen else { return .waitForWindow }
            guard !pending.isEmpty else { return .nothingQueued }
            let batch = InFlight(number: nextNumber, records: pending)
            let queuedFor = pendingSince.map { now - $0 }
            nextNumber += 1
            pending.removeAll(keepingCapacity: true)
            pendingSince = nil
            inFlight.append(batch)
            return .send(batch, queuedFor: queuedFor)
        }

        /// The outcome of a delivery attempt of batch `number`.
        /// - Returns: What to do, in order: batches count in the order they were handed over, so
        ///   an outcome of a later batch gives no action until the ones before it are published.
        mutating func delivered(batch number: Int, _ delivery: Delivery) -> [Action] {
            guard let head = inFlight.first, inFlight.contains(where: { $0.number == number }) else {
                // Not on its way (already published, or unknown): nothing to do.
                return []
            }
            guard head.number == number else {
                early[number] = delivery
                return []
            }
            var actions: [Action] = []
            var outcome: Delivery? = delivery
            while let current = outcome, let oldest = inFlight.first {
                switch current {
                case .failed(let retryable):
                    if retryable {
                        attempt += 1
                        retrying = true
                        actions.append(.resend(batch: oldest.number, backoff: Self.backoff(attempt: attempt)))
                    } else {
                        actions.append(.resend(batch: oldest.number, backoff: nil))
                    }
                    return actions
                case .published:
                    inFlight.removeFirst()
                    retrying = false
                    attempt = 0
                    var ids: [Int64] = []
                    // The records of one stored row are queued together, so they are adjacent.
                    for record in oldest.records where ids.last != record.id { ids.append(record.id) }
                    actions.append(.markSent(batch: oldest.number, ids: ids))
                    outcome = inFlight.first.flatMap { early.removeValue(forKey: $0.number) }
                }
            }
            return actions
        }

        /// The backoff before a failed batch's `attempt`-th resend: 200 ms, doubled each time, at most 5 s.
        static func backoff(attempt: Int) -> Duration {
            .milliseconds(min(5_000, 100 * (1 << min(attempt, 6))))
        }
    }
}
