@testable import SagaBench
import Testing

/// A gap in a saga's progress events counts against the topic, not the run's reader: when a fresh
/// read of the topic finds every number, the reader missed them and no invariant is broken.
@Suite("saga-bench chaos: gaps are judged on the topic")
struct ChaosGapTests {
    @Test("a gap the topic does not have is the reader's", arguments: [
        // seen, on the topic, two different events under a number, only the reader missed
        ([1, 2, 4], [1, 2, 3, 4], false, true),
        ([1, 2, 4], [1, 2, 4], false, false),       // missing on the topic too
        ([1, 2, 4], [1, 2, 3, 4], true, false),     // a conflict is never the reader's
        ([1, 5], [1, 2, 3, 4], false, false),       // the reader saw a number the topic lacks
        ([1, 2], [], false, false),                 // the fresh read found nothing
        ([2, 3], [2, 3, 4], false, false),          // the topic does not start at 1
    ] as [([Int64], [Int64], Bool, Bool)])
    func classifies(seen: [Int64], onTopic: [Int64], conflicting: Bool, expected: Bool) {
        #expect(ChaosProgressReread.onlyTheReaderMissed(seen: Set(seen), onTopic: Set(onTopic), conflicting: conflicting) == expected)
    }
}
