@testable import SagaRuntime
import Testing

@Suite("Reply horizon: timeouts wait for the replies that reached the topic before the deadline")
struct ReplyHorizonTests {
    @Test("caught up: timers fire up to now")
    func caughtUp() {
        var horizon = ReplyHorizon()
        horizon.checked(next: 10, highWatermark: 10)
        #expect(horizon.limit(now: 5_000) == 5_000)
    }

    @Test("behind: timers fire only up to the newest reply read, so a reply already on the topic is seen first")
    func behind() {
        var horizon = ReplyHorizon()
        horizon.read(replyStampedAt: 1_000)
        horizon.checked(next: 4, highWatermark: 10)
        #expect(horizon.limit(now: 5_000) == 1_000)
        horizon.read(replyStampedAt: 4_200)
        #expect(horizon.limit(now: 5_000) == 4_200)
        // Reading on past the deadline lets it fire even while more is unread.
        horizon.read(replyStampedAt: 6_000)
        #expect(horizon.limit(now: 5_000) == 5_000)
    }

    @Test("behind with nothing read yet: held back, but never more than maxDeferral")
    func boundedDeferral() {
        var horizon = ReplyHorizon(maxDeferral: 60_000)
        horizon.checked(next: nil, highWatermark: 3)
        #expect(horizon.limit(now: 100_000) == 40_000)
        horizon.read(replyStampedAt: 90_000)
        #expect(horizon.limit(now: 100_000) == 90_000)
    }

    @Test("catching up lifts the hold; an unknown watermark with nothing read counts as caught up")
    func catchingUp() {
        var horizon = ReplyHorizon()
        horizon.checked(next: 2, highWatermark: 9)
        #expect(!horizon.caughtUp)
        horizon.checked(next: 9, highWatermark: 9)
        #expect(horizon.caughtUp)
        horizon.checked(next: nil, highWatermark: nil)
        #expect(horizon.caughtUp)
        horizon.checked(next: 0, highWatermark: 5)
        #expect(!horizon.caughtUp)
    }
}
