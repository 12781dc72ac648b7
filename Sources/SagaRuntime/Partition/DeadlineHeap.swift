/// A min-heap of (deadline, saga id): the timers of one partition's sagas.
///
/// Entries are never removed early: when a saga's deadline moves, a new entry is pushed and the
/// old one is recognised as stale when it comes out (its deadline no longer matches the saga's).
struct DeadlineHeap {
    struct Entry {
        var deadline: Int64
        var sagaID: String
    }

    private var entries: [Entry] = []

    var count: Int { entries.count }

    /// The earliest deadline, stale or not.
    var earliest: Int64? { entries.first?.deadline }

    mutating func push(_ deadline: Int64, _ sagaID: String) {
        entries.append(Entry(deadline: deadline, sagaID: sagaID))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if entries[parent].deadline <= entries[child].deadline { break }
            entries.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(now: Int64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
                if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }

    /// Drops stale entries when they outnumber live sagas, so a long-lived partition's heap stays small.
    mutating func compact(isLive: (Entry) -> Bool) {
        let live = entries.filter(isLive)
        entries = []
        for entry in live { push(entry.deadline, entry.sagaID) }
    }
}
