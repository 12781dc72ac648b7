import SagaConcurrency

/// The spans that ended and wait for export, bounded: when it is full a span is dropped and
/// counted, and ending a span never waits.
final class SpanQueue: Sendable {
    struct Contents: Sendable {
        var spans: [FinishedSpan] = []
        /// Spans dropped because the queue was full, since the exporter last looked.
        var dropped = 0
        /// Set at shutdown: the exporter sends what is left and stops.
        var isClosed = false
        /// Set by `forceFlush()`: the exporter sends what is queued now.
        var isFlushRequested = false
    }

    let contents: Watched<Contents>
    /// The most spans it holds.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        contents = Watched(Contents())
    }

    func append(_ span: FinishedSpan) {
        contents.update { contents in
            if contents.spans.count < capacity {
                contents.spans.append(span)
            } else {
                contents.dropped += 1
            }
        }
    }

    /// Takes up to `limit` spans, oldest first, and the count dropped since the last take.
    func take(upTo limit: Int) -> (spans: ArraySlice<FinishedSpan>, dropped: Int) {
        contents.update { contents in
            let taken = contents.spans.prefix(limit)
            if taken.count == contents.spans.count {
                contents.spans = []
                contents.spans.reserveCapacity(min(capacity, max(1_024, taken.count)))
            } else {
                contents.spans.removeFirst(taken.count)
            }
            defer {
                contents.dropped = 0
                contents.isFlushRequested = false
            }
            return (taken, contents.dropped)
        }
    }

    func close() {
        contents.update { $0.isClosed = true }
    }
}
