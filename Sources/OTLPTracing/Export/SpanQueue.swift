import Synchronization

/// The spans that ended and wait for export, bounded: when it is full a span is dropped and
/// counted, and ending a span never waits.
///
/// Appending is the hot path (every span that ends, on the orchestrator's loop): one lock, one
/// array append and one comparison. The exporter, its only reader, is woken only when a full batch
/// is waiting, the queue closes or a flush is asked; otherwise its schedule wakes it.
final class SpanQueue: Sendable {
    private struct State {
        var spans: [FinishedSpan] = []
        /// Spans dropped because the queue was full, since the exporter last took.
        var dropped = 0
        /// Set at shutdown: the exporter sends what is left and stops.
        var isClosed = false
        /// Set by a flush: the exporter sends what is queued now.
        var isFlushRequested = false
        /// The exporter, while it waits.
        var waiter: CheckedContinuation<Void, Never>?
        /// A wake-up that came while the exporter was not waiting: its next wait returns at once.
        var isWakePending = false

        func hasWork(batchSize: Int) -> Bool {
            spans.count >= batchSize || isClosed || isFlushRequested
        }

        /// Takes the waiter to resume, or remembers the wake-up for the next wait.
        mutating func wake() -> CheckedContinuation<Void, Never>? {
            guard let waiter else {
                isWakePending = true
                return nil
            }
            self.waiter = nil
            return waiter
        }
    }

    /// The most spans it holds.
    let capacity: Int
    /// How many spans make a batch: reaching it wakes the exporter.
    let batchSize: Int
    private let state: Mutex<State>

    init(capacity: Int, batchSize: Int) {
        self.capacity = capacity
        self.batchSize = min(batchSize, capacity)
        var initial = State()
        initial.spans.reserveCapacity(min(capacity, 1_024))
        state = Mutex(initial)
    }

    /// Whether it was closed.
    var isClosed: Bool { state.withLock { $0.isClosed } }

    func append(_ span: FinishedSpan) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.spans.count < capacity else {
                state.dropped += 1
                return nil
            }
            state.spans.append(span)
            guard state.spans.count == batchSize, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Takes up to `limit` spans, oldest first, and the count dropped since the last take.
    func take(upTo limit: Int) -> (spans: ArraySlice<FinishedSpan>, dropped: Int) {
        state.withLock { state in
            let taken = state.spans.prefix(limit)
            if taken.count == state.spans.count {
                state.spans = []
                state.spans.reserveCapacity(min(capacity, max(1_024, taken.count)))
            } else {
                state.spans.removeFirst(taken.count)
            }
            defer {
                state.dropped = 0
                state.isFlushRequested = false
            }
            return (taken, state.dropped)
        }
    }

    /// Asks the exporter to send what is queued now.
    func requestFlush() {
        state.withLock { state in
            state.isFlushRequested = true
            return state.wake()
        }?.resume()
    }

    /// Closes it: the exporter sends what is left and stops.
    func close() {
        state.withLock { state in
            state.isClosed = true
            return state.wake()
        }?.resume()
    }

    /// Returns when there is work (a full batch, a flush asked, the queue closed), when `delay`
    /// passed, or when the task is cancelled.
    func waitForWork(within delay: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                // The schedule: the exporter sends at least this often.
                try? await Task.sleep(for: delay)
                state.withLock { $0.wake() }?.resume()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let isReady = state.withLock { state in
                        if state.isWakePending || state.hasWork(batchSize: batchSize) || Task.isCancelled {
                            state.isWakePending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if isReady { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.wake() }?.resume()
            }
            group.cancelAll()
        }
        // A wake-up left by the timer or a cancellation that raced this return is not a reason
        // to turn again at once.
        state.withLock { $0.isWakePending = false }
    }
}
