/// How far a partition's timers may fire: an orchestrator that is behind on its replies must not
/// turn its own lag into timeouts.
///
/// A step attempt's deadline (or the saga deadline) at `D` is acted on only once the replies
/// partition has been read past `D`: the consumer has caught up with the partition (nothing
/// unread, by the high watermark of the last fetch), or it has read a reply stamped at or after
/// `D`. A reply that reached the topic before the deadline is therefore seen before the timeout.
/// So that a broken clock cannot hold timers back for ever, they are never held more than
/// ``maxDeferral`` behind the wall clock.
struct ReplyHorizon: Sendable, Equatable {
    /// The longest a due timer waits for the replies to be read. Default: 60 s.
    var maxDeferral: Int64 = 60_000
    /// The newest record time among the replies read from the partition, in milliseconds.
    private(set) var readThrough: Int64 = .min
    /// Whether everything on the partition had been read at the last check.
    private(set) var caughtUp = true

    init(maxDeferral: Int64 = 60_000) {
        self.maxDeferral = maxDeferral
    }

    /// Notes a reply read from the partition, stamped at `timestamp` (milliseconds).
    mutating func read(replyStampedAt timestamp: Int64) {
        readThrough = max(readThrough, timestamp)
    }

    /// Notes, after a poll, how far the consumer is: `next` is the offset it reads next,
    /// `highWatermark` the partition's end as last fetched (`nil`: not known yet).
    mutating func checked(next: Int64?, highWatermark: Int64?) {
        guard let highWatermark else {
            caughtUp = next == nil
            return
        }
        caughtUp = (next ?? 0) >= highWatermark
    }

    /// The time up to which timers may fire at wall time `now`.
    func limit(now: Int64) -> Int64 {
        if caughtUp { return now }
        return max(min(now, readThrough), now - maxDeferral)
    }
}
